/**
 * PgJobStore: the JobStore contract on PostgreSQL. Same operations, names,
 * snapshots, error classes and codes as `@atomic-jobs/store`'s JobStore,
 * returning promises; every operation is one statement (one round trip, one
 * implicit transaction) decided inside the database with the row locked, so
 * a refused call changes nothing and concurrent callers on any number of
 * machines see one order of changes. The SQL is in schema.ts.
 */
import pg from 'pg';
import {
  AbortedError, DuplicateJobError, InvalidTransitionError, JobNotFoundError, JobProcessingError,
  LockTimeoutError, StaleClaimError, isJobStatus,
  type CreateOptions, type JobCounts, type JobSnapshot, type JobStatus, type ListOptions, type ReclaimOptions, type RecoveryStats, type RetryOptions, type UpdateOptions,
} from '@atomic-jobs/store';
import { resolveOptions, type ClaimOrder, type PgStoreOptions, type ResolvedOptions } from './options.js';
import { RULES, refusalReason } from './rules.js';
import { JOB_COLUMNS, migrationSql } from './schema.js';
import {
  DEFAULT_MAX_RETRIES, checkId, checkInt, checkLastError, checkObject, checkReclaimOptions, checkRetryOptions, checkStatus, checkUpdateOptions, encodeError,
} from './validate.js';

/** A job row as the SELECTs and functions return it (see JOB_COLUMNS). */
interface JobRow {
  readonly outcome?: string;
  readonly j_id: Buffer | null;
  readonly j_status: string | null;
  readonly j_attempts: number | null;
  readonly j_max_retries: number | null;
  readonly j_last_error: Buffer | null;
  readonly j_last_error_truncated: boolean | null;
  readonly j_version: number | null;
  readonly j_created_at: number | null;
  readonly j_updated_at: number | null;
}

/** A lease as recorded by a claim. */
export interface Lease {
  /** The `owner` option of the instance that claimed the job. */
  readonly owner: string;
  /** ms since epoch, server clock. */
  readonly until: number;
}

/** The connection pool's state (node-postgres' own counters). */
export interface PgPoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  /** Errors emitted by idle connections (e.g. the server restarted); the pool replaces them. */
  readonly idleErrors: number;
}

const PG_LOCK_NOT_AVAILABLE = '55P03';
/** Aborted and rolled back by the server: nothing happened, so the call is safely sent again. */
const PG_RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01']);
const MAX_RETRIES_ON_CONFLICT = 5;

function snapshot(row: JobRow): JobSnapshot {
  const status = row.j_status;
  if (row.j_id === null || !isJobStatus(status)) throw new Error('atomic-jobs/postgres: internal error, a job row without id or status');
  return {
    id: row.j_id.toString('utf8'),
    status,
    attempts: row.j_attempts ?? 0,
    maxRetries: row.j_max_retries ?? 0,
    lastError: row.j_last_error === null ? null : row.j_last_error.toString('utf8'),
    lastErrorTruncated: row.j_last_error_truncated === true,
    version: row.j_version ?? 0,
    createdAt: row.j_created_at ?? 0,
    updatedAt: row.j_updated_at ?? 0,
  };
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class PgJobStore {
  readonly #o: ResolvedOptions;
  readonly #pool: pg.Pool;
  readonly #strict: boolean;
  readonly #sql: Readonly<Record<string, string>>;
  #stalledReclaimed = 0;
  #idleErrors = 0;

  private constructor(o: ResolvedOptions) {
    this.#o = o;
    this.#strict = o.claimOrder === 'fifo';
    this.#pool = new pg.Pool({ connectionString: o.connectionString, max: o.poolSize });
    // An idle connection that breaks (server restart, network) is dropped by
    // the pool; without a listener node-postgres would crash the process.
    this.#pool.on('error', () => void this.#idleErrors++);
    const s = `"${o.schema}"`;
    this.#sql = Object.freeze({
      create: `SELECT * FROM ${s}.create_job($1, $2, $3)`,
      transition: `SELECT * FROM ${s}.transition($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      claimNext: `SELECT * FROM ${s}.claim_next($1, $2, $3)`,
      retryFailed: `SELECT * FROM ${s}.retry_failed_jobs($1)`,
      reclaimStalled: `SELECT * FROM ${s}.reclaim_stalled_jobs($1, $2)`,
      remove: `SELECT ${s}.remove_job($1, $2) AS outcome`,
      get: `SELECT ${JOB_COLUMNS} FROM ${s}.jobs WHERE id = $1`,
      list: `SELECT ${JOB_COLUMNS} FROM ${s}.jobs WHERE $1::text IS NULL OR status = $1 ORDER BY created_at, id`,
      counts: `SELECT status, count(*)::integer AS n FROM ${s}.jobs GROUP BY status`,
      lease: `SELECT lease_owner, lease_until::float8 AS lease_until FROM ${s}.jobs WHERE id = $1 AND status = 'processing'`,
    });
  }

  /** A store on the database named by `options.connectionString` (connects lazily). Call `migrate()` once per schema. */
  static create(options: PgStoreOptions): PgJobStore {
    return new PgJobStore(resolveOptions(options));
  }

  /** Create the schema, table, sequence and functions if missing. Idempotent, safe to run concurrently. */
  static async migrate(options: PgStoreOptions): Promise<void> {
    const store = PgJobStore.create({ ...options, poolSize: 1 });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
  }

  /** Drop the schema and everything in it (its jobs included). For tests and benchmarks. */
  static async drop(options: PgStoreOptions): Promise<void> {
    const store = PgJobStore.create({ ...options, poolSize: 1 });
    try {
      await store.#pool.query(`DROP SCHEMA IF EXISTS "${store.#o.schema}" CASCADE`);
    } finally {
      await store.close();
    }
  }

  get schema(): string { return this.#o.schema; }
  get maxIdBytes(): number { return this.#o.maxIdBytes; }
  get maxErrorBytes(): number { return this.#o.maxErrorBytes; }
  get leaseMs(): number { return this.#o.leaseMs; }
  get owner(): string { return this.#o.owner; }
  get claimOrder(): ClaimOrder { return this.#o.claimOrder; }

  /** See {@link PgJobStore.migrate}. One transaction, serialised with other migrations by an advisory lock. */
  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(1097818442, hashtext('atomic-jobs:migrate'))");
      await client.query(migrationSql(this.#o.schema));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }

  /** Close every connection of this instance's pool. */
  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Add a pending job. Throws DuplicateJobError, InvalidArgumentError. */
  async create(id: string, options?: CreateOptions): Promise<JobSnapshot> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const o = checkObject('options', options);
    const maxRetries = o?.['maxRetries'] === undefined ? DEFAULT_MAX_RETRIES : checkInt('options.maxRetries', o['maxRetries'], 0, 0x7fffffff);
    const [row] = await this.#query<JobRow>('create', [idBytes, maxRetries, this.#strict]);
    if (row?.outcome !== 'applied') throw new DuplicateJobError(id);
    return snapshot(row);
  }

  /** The job as committed at one instant, or undefined. */
  async get(id: string): Promise<JobSnapshot | undefined> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const [row] = await this.#query<JobRow>('get', [idBytes]);
    return row === undefined ? undefined : snapshot(row);
  }

  /** pending -> processing for this job; undefined when it is not pending. Throws JobNotFoundError. */
  async claim(id: string): Promise<JobSnapshot | undefined> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const row = await this.#transition(idBytes, 'processing', undefined, undefined, undefined);
    if (row.outcome === 'not-found') throw new JobNotFoundError(id);
    return row.outcome === 'applied' ? snapshot(row) : undefined;
  }

  /** The oldest pending job -> processing (see `claimOrder`); undefined when none is pending. */
  async claimNext(): Promise<JobSnapshot | undefined> {
    const [row] = await this.#query<JobRow>('claimNext', [this.#strict, this.#o.leaseMs, this.#o.owner]);
    return row === undefined ? undefined : snapshot(row);
  }

  /**
   * The one validated, atomic state change. `{ attempt }` is the fencing
   * token (the `attempts` of the snapshot your claim returned). `timeoutMs`
   * bounds the time spent waiting for row and queue locks (PostgreSQL's
   * lock_timeout; 0 behaves as 1 ms); `signal` is checked before the call is
   * sent, an abort during the round trip does not cancel it.
   */
  async updateStatus(id: string, status: JobStatus, lastError?: string | null, options?: UpdateOptions): Promise<JobSnapshot> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const to = checkStatus(status);
    checkLastError(lastError);
    const o = checkUpdateOptions(options);
    if (o.signal?.aborted === true) throw new AbortedError(o.signal.reason);
    const timeout = o.timeoutMs === undefined || o.timeoutMs === Infinity ? undefined : Math.min(0x7fffffff, Math.max(1, Math.ceil(o.timeoutMs)));
    const row = await this.#transition(idBytes, to, lastError, o.attempt, timeout);
    switch (row.outcome) {
      case 'applied':
        return snapshot(row);
      case 'not-found':
        throw new JobNotFoundError(id);
      case 'stale': {
        const s = snapshot(row);
        throw new StaleClaimError(id, o.attempt ?? 0, s.attempts, s.status);
      }
      default: {
        const s = snapshot(row);
        throw new InvalidTransitionError(id, s.status, to, refusalReason(s.status, to, s.attempts, s.maxRetries));
      }
    }
  }

  /**
   * The sweeper: every failed job with retries left -> pending, oldest
   * failure first, in one transaction. `options.onRetried` is called with
   * each job as left, in that order, once the transaction has committed; if
   * it throws, the error propagates and the jobs after it go unreported
   * (retried all the same). Returns how many.
   */
  async retryFailed(options?: RetryOptions): Promise<number> {
    const onRetried = checkRetryOptions(options);
    const rows = await this.#query<JobRow>('retryFailed', [this.#strict]);
    for (const row of rows) onRetried?.(snapshot(row));
    return rows.length;
  }

  /**
   * The stalled-job check: processing jobs whose lease expired go back to
   * pending with their attempts kept, oldest lease first, in one
   * transaction. `options.now` (ms since epoch; a number is taken as `now`)
   * defaults to the server's clock, the one leases are written with.
   * `options.onReclaimed` is called with each job as left, in that order,
   * once the transaction has committed; if it throws, the error propagates
   * and the jobs after it go unreported (reclaimed all the same). Returns
   * how many.
   */
  async reclaimStalled(options?: ReclaimOptions | number): Promise<number> {
    const { now, onReclaimed } = checkReclaimOptions(options);
    const rows = await this.#query<JobRow>('reclaimStalled', [this.#strict, now === undefined ? null : Math.floor(now)]);
    this.#stalledReclaimed += rows.length;
    for (const row of rows) onReclaimed?.(snapshot(row));
    return rows.length;
  }

  /** Delete a job. False when absent; JobProcessingError while it is processing. */
  async remove(id: string): Promise<boolean> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const [row] = await this.#query<{ outcome: string }>('remove', [idBytes, this.#strict]);
    if (row?.outcome === 'processing') throw new JobProcessingError(id);
    return row?.outcome === 'removed';
  }

  /** Every job (optionally only one status), oldest first, all from one snapshot. */
  async list(options?: ListOptions): Promise<JobSnapshot[]> {
    const o = checkObject('options', options);
    const status = o?.['status'] === undefined ? null : checkStatus(o['status'], 'options.status');
    const rows = await this.#query<JobRow>('list', [status]);
    return rows.map(snapshot);
  }

  /** Jobs per status, from one snapshot (exact at one instant). */
  async counts(): Promise<JobCounts> {
    const rows = await this.#query<{ status: JobStatus; n: number }>('counts', []);
    const c: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: 0 };
    for (const r of rows) {
      c[r.status] = r.n;
      c.total += r.n;
    }
    return c;
  }

  /** Who holds the job's claim and until when; undefined unless it is processing. */
  async lease(id: string): Promise<Lease | undefined> {
    const idBytes = checkId(id, this.#o.maxIdBytes);
    const [row] = await this.#query<{ lease_owner: string | null; lease_until: number | null }>('lease', [idBytes]);
    return row?.lease_owner == null || row.lease_until === null ? undefined : { owner: row.lease_owner, until: row.lease_until };
  }

  /** The pool's counters (the shared-memory store reports lock statistics here; the database keeps its own). */
  stats(): PgPoolStats {
    const p = this.#pool;
    return { totalCount: p.totalCount, idleCount: p.idleCount, waitingCount: p.waitingCount, idleErrors: this.#idleErrors };
  }

  /** What this instance's reclaimStalled calls returned, summed. There are no locks or torn writes to recover here. */
  recovery(): RecoveryStats {
    return { locksRecovered: 0, jobsRepaired: 0, stalledReclaimed: this.#stalledReclaimed };
  }

  async #transition(idBytes: Buffer, to: JobStatus, lastError: string | null | undefined, attempt: number | undefined, lockTimeoutMs: number | undefined): Promise<JobRow> {
    const rule = RULES[to];
    const err = typeof lastError === 'string' ? encodeError(lastError, this.#o.maxErrorBytes) : undefined;
    const [row] = await this.#query<JobRow>('transition', [
      idBytes, to, rule.sources, rule.guarded, attempt ?? null,
      lastError !== undefined, err?.bytes ?? null, err?.truncated ?? false,
      this.#strict && rule.touchesQueues, this.#o.leaseMs, this.#o.owner, lockTimeoutMs ?? null,
    ], lockTimeoutMs);
    if (row === undefined) throw new Error('atomic-jobs/postgres: internal error, transition returned no row');
    return row;
  }

  /** Run one named statement (prepared once per connection). Retries only what the server rolled back whole. */
  async #query<R>(name: string, values: unknown[], lockTimeoutMs?: number): Promise<R[]> {
    const text = this.#sql[name];
    if (text === undefined) throw new Error(`atomic-jobs/postgres: internal error, no statement ${name}`);
    for (let tries = 0; ; tries++) {
      try {
        const r = await this.#pool.query({ name: `${this.#o.schema}.${name}`, text, values });
        return r.rows as R[];
      } catch (err) {
        const code = pgCode(err);
        if (code === PG_LOCK_NOT_AVAILABLE && lockTimeoutMs !== undefined) throw new LockTimeoutError(lockTimeoutMs);
        if (code !== undefined && PG_RETRYABLE.has(code) && tries < MAX_RETRIES_ON_CONFLICT) continue;
        throw err;
      }
    }
  }
}
