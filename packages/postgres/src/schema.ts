/**
 * The schema: one table, one sequence, and the functions that run each
 * multi-step operation as one statement (so one round trip, one implicit
 * transaction). `migrate()` runs all of it; every statement is idempotent.
 *
 * Why functions: in READ COMMITTED, every SQL statement inside a PL/pgSQL
 * function takes a fresh snapshot. So a function can take the queue lock
 * first and then read the table with a snapshot that already includes every
 * change committed by the previous holder of that lock. The same sequence
 * sent from the client would cost one round trip per statement.
 *
 * The queue lock (FIFO mode). A transaction-scoped advisory lock, keyed by
 * this table's oid, taken by every call that moves a job onto or off the
 * pending queue or the retry list (create, claim, claimNext, updateStatus to
 * pending / processing / failed, retryFailed, reclaimStalled, remove). It is
 * the PostgreSQL twin of the shared-memory store's queue lock: queue moves
 * commit one at a time, so the sequence numbers they draw (`queue_seq`)
 * follow commit order, and claimNext, reading after taking the lock, sees
 * exactly the queue that the last commit left. Without it, two enqueues can
 * commit in the opposite order of their sequence numbers, and a claimNext
 * using SKIP LOCKED can pass over the oldest job while another statement
 * holds its row lock: claims would be only roughly FIFO. Lock order is always
 * queue lock, then row locks, so no cycle can deadlock.
 *
 * `strict = false` ('skip-locked' mode) drops the queue lock and claims with
 * FOR UPDATE SKIP LOCKED: claimers never wait for each other, each job is
 * still claimed by one caller at a time, but FIFO is only approximate.
 *
 * Every function locks the row it decides about (FOR UPDATE) before
 * deciding, so the check and the write see the same row version: no
 * read-then-write race. Nothing here is built from user data: ids, errors and
 * owners are parameters; the schema name is configuration, checked against
 * an identifier pattern and quoted.
 */

/** Shared by every SELECT that returns jobs: the columns, as the client decodes them. */
export const JOB_COLUMNS =
  'id AS j_id, status AS j_status, attempts AS j_attempts, max_retries AS j_max_retries, last_error AS j_last_error, ' +
  'last_error_truncated AS j_last_error_truncated, version::float8 AS j_version, created_at::float8 AS j_created_at, updated_at::float8 AS j_updated_at';

/** `"schema"`: the schema name has been checked against IDENTIFIER already. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const RESULT = `outcome text, j_id bytea, j_status text, j_attempts integer, j_max_retries integer, j_last_error bytea,
  j_last_error_truncated boolean, j_version float8, j_created_at float8, j_updated_at float8`;

export function migrationSql(schema: string): string {
  const s = `"${schema}"`;
  const now = `floor(extract(epoch from clock_timestamp()) * 1000)::bigint`;
  // The queue lock: (a fixed class id, this table's oid).
  const queueLock = `PERFORM pg_advisory_xact_lock(1097818442, '${s}.jobs'::regclass::oid::integer)`;
  const ret = `RETURN QUERY SELECT v_outcome, r.id, r.status, r.attempts, r.max_retries, r.last_error, r.last_error_truncated,
      r.version::float8, r.created_at::float8, r.updated_at::float8`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.jobs (
  id bytea PRIMARY KEY,                          -- UTF-8 of a well-formed string (NUL allowed)
  status text NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  max_retries integer NOT NULL,
  last_error bytea,                              -- UTF-8, already cut at maxErrorBytes by the client
  last_error_truncated boolean NOT NULL DEFAULT false,
  version bigint NOT NULL DEFAULT 1,
  created_at bigint NOT NULL,                    -- ms since epoch, server clock
  updated_at bigint NOT NULL,
  pending_seq bigint,                            -- place in the pending queue (drawn on every move to pending)
  retry_seq bigint,                              -- place on the retry list (drawn on every move to failed)
  lease_owner text,                              -- who claimed it (processing only)
  lease_until bigint                             -- claim valid until, ms since epoch, server clock
);
CREATE SEQUENCE IF NOT EXISTS ${s}.queue_seq;
CREATE INDEX IF NOT EXISTS jobs_pending_queue ON ${s}.jobs (pending_seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS jobs_retry_list ON ${s}.jobs (retry_seq) WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS jobs_leases ON ${s}.jobs (lease_until) WHERE status = 'processing';

-- create: a pending job at the tail of the queue, or outcome 'duplicate'.
CREATE OR REPLACE FUNCTION ${s}.create_job(p_id bytea, p_max_retries integer, p_strict boolean)
RETURNS TABLE (${RESULT}) LANGUAGE plpgsql AS $fn$
DECLARE r ${s}.jobs; v_outcome text := 'applied'; v_now bigint;
BEGIN
  IF p_strict THEN ${queueLock}; END IF;
  v_now := ${now};
  INSERT INTO ${s}.jobs AS j (id, status, attempts, max_retries, version, created_at, updated_at, pending_seq)
  VALUES (p_id, 'pending', 0, p_max_retries, 1, v_now, v_now, nextval('${s}.queue_seq'))
  ON CONFLICT (id) DO NOTHING
  RETURNING j.* INTO r;
  IF NOT FOUND THEN v_outcome := 'duplicate'; END IF;
  ${ret};
END $fn$;

-- One validated transition of one job. The allowed source statuses for p_to
-- come from the client (built from the store's TRANSITIONS table); p_guarded
-- are the sources allowed only while attempts < max_retries. Outcome:
-- 'applied', 'not-found', 'stale' (fencing token mismatch) or 'refused'
-- (the table forbids it); on a refusal the row is returned as it stands.
CREATE OR REPLACE FUNCTION ${s}.transition(
  p_id bytea, p_to text, p_sources text[], p_guarded text[], p_attempt integer,
  p_set_error boolean, p_error bytea, p_error_truncated boolean,
  p_strict boolean, p_lease_ms bigint, p_owner text, p_lock_timeout_ms integer)
RETURNS TABLE (${RESULT}) LANGUAGE plpgsql AS $fn$
DECLARE r ${s}.jobs; v_outcome text := 'applied'; v_now bigint;
BEGIN
  IF p_lock_timeout_ms IS NOT NULL THEN
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  END IF;
  IF p_strict THEN ${queueLock}; END IF;
  SELECT * INTO r FROM ${s}.jobs WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not-found'::text, NULL::bytea, NULL::text, NULL::integer, NULL::integer, NULL::bytea,
      NULL::boolean, NULL::float8, NULL::float8, NULL::float8;
    RETURN;
  END IF;
  IF p_attempt IS NOT NULL AND (r.status <> 'processing' OR r.attempts <> p_attempt) THEN
    v_outcome := 'stale';
  ELSIF NOT (r.status = ANY (p_sources)) OR (r.status = ANY (p_guarded) AND r.attempts >= r.max_retries) THEN
    v_outcome := 'refused';
  ELSE
    v_now := ${now};
    UPDATE ${s}.jobs AS j SET
      status = p_to,
      attempts = j.attempts + CASE WHEN p_to = 'processing' THEN 1 ELSE 0 END,
      last_error = CASE WHEN p_set_error THEN p_error ELSE j.last_error END,
      last_error_truncated = CASE WHEN p_set_error THEN p_error_truncated ELSE j.last_error_truncated END,
      version = j.version + 1,
      updated_at = v_now,
      pending_seq = CASE WHEN p_to = 'pending' THEN nextval('${s}.queue_seq') END,
      retry_seq = CASE WHEN p_to = 'failed' THEN nextval('${s}.queue_seq') END,
      lease_owner = CASE WHEN p_to = 'processing' THEN p_owner END,
      lease_until = CASE WHEN p_to = 'processing' THEN v_now + p_lease_ms END
    WHERE j.id = p_id
    RETURNING j.* INTO r;
  END IF;
  ${ret};
END $fn$;

-- claimNext: the oldest pending job -> processing. No row when none is pending.
CREATE OR REPLACE FUNCTION ${s}.claim_next(p_strict boolean, p_lease_ms bigint, p_owner text)
RETURNS TABLE (${RESULT}) LANGUAGE plpgsql AS $fn$
DECLARE r ${s}.jobs; v_id bytea; v_outcome text := 'applied'; v_now bigint;
BEGIN
  IF p_strict THEN
    ${queueLock};
    -- Under the queue lock no other statement can change a pending row, so
    -- waiting for a row lock here is brief and the head stays the head.
    SELECT id INTO v_id FROM ${s}.jobs WHERE status = 'pending' ORDER BY pending_seq LIMIT 1 FOR UPDATE;
  ELSE
    SELECT id INTO v_id FROM ${s}.jobs WHERE status = 'pending' ORDER BY pending_seq LIMIT 1 FOR UPDATE SKIP LOCKED;
  END IF;
  IF v_id IS NULL THEN RETURN; END IF;
  v_now := ${now};
  UPDATE ${s}.jobs AS j SET status = 'processing', attempts = j.attempts + 1, version = j.version + 1, updated_at = v_now,
    pending_seq = NULL, retry_seq = NULL, lease_owner = p_owner, lease_until = v_now + p_lease_ms
  WHERE j.id = v_id
  RETURNING j.* INTO r;
  ${ret};
END $fn$;

-- retryFailed: every failed job with retries left -> pending, oldest failure
-- first, in one transaction. Returns each job as left, in that order.
CREATE OR REPLACE FUNCTION ${s}.retry_failed_jobs(p_strict boolean)
RETURNS TABLE (${RESULT}) LANGUAGE plpgsql AS $fn$
DECLARE r ${s}.jobs; v_id bytea; v_outcome text := 'applied'; v_now bigint;
BEGIN
  IF p_strict THEN ${queueLock}; END IF;
  v_now := ${now};
  FOR v_id IN SELECT id FROM ${s}.jobs WHERE status = 'failed' AND attempts < max_retries ORDER BY retry_seq FOR UPDATE LOOP
    UPDATE ${s}.jobs AS j SET status = 'pending', version = j.version + 1, updated_at = v_now,
      pending_seq = nextval('${s}.queue_seq'), retry_seq = NULL
    WHERE j.id = v_id
    RETURNING j.* INTO r;
    ${ret};
  END LOOP;
END $fn$;

-- What retryFailed called before it reported jobs (it returned how many):
-- kept for clients of earlier versions sharing the schema.
CREATE OR REPLACE FUNCTION ${s}.retry_failed(p_strict boolean)
RETURNS integer LANGUAGE sql AS $fn$ SELECT count(*)::integer FROM ${s}.retry_failed_jobs(p_strict) $fn$;

-- reclaimStalled: processing jobs whose lease expired -> pending, attempts
-- kept, oldest lease first, in one transaction. p_now NULL = the server's
-- clock. Returns each job as left, in that order.
CREATE OR REPLACE FUNCTION ${s}.reclaim_stalled_jobs(p_strict boolean, p_now bigint)
RETURNS TABLE (${RESULT}) LANGUAGE plpgsql AS $fn$
DECLARE r ${s}.jobs; v_id bytea; v_outcome text := 'applied'; v_now bigint;
BEGIN
  IF p_strict THEN ${queueLock}; END IF;
  v_now := ${now};
  FOR v_id IN SELECT id FROM ${s}.jobs WHERE status = 'processing' AND lease_until <= coalesce(p_now, v_now)
              ORDER BY lease_until, id FOR UPDATE LOOP
    UPDATE ${s}.jobs AS j SET status = 'pending', version = j.version + 1, updated_at = v_now,
      pending_seq = nextval('${s}.queue_seq'), retry_seq = NULL, lease_owner = NULL, lease_until = NULL
    WHERE j.id = v_id
    RETURNING j.* INTO r;
    ${ret};
  END LOOP;
END $fn$;

-- What reclaimStalled called before it reported jobs (it returned how many):
-- kept for clients of earlier versions sharing the schema.
CREATE OR REPLACE FUNCTION ${s}.reclaim_stalled(p_strict boolean, p_now bigint)
RETURNS integer LANGUAGE sql AS $fn$ SELECT count(*)::integer FROM ${s}.reclaim_stalled_jobs(p_strict, p_now) $fn$;

-- remove: 'removed', 'absent', or 'processing' (refused, nothing changed).
CREATE OR REPLACE FUNCTION ${s}.remove_job(p_id bytea, p_strict boolean)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE v_status text;
BEGIN
  IF p_strict THEN ${queueLock}; END IF;
  SELECT status INTO v_status FROM ${s}.jobs WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN RETURN 'absent'; END IF;
  IF v_status = 'processing' THEN RETURN 'processing'; END IF;
  DELETE FROM ${s}.jobs WHERE id = p_id;
  RETURN 'removed';
END $fn$;
`;
}
