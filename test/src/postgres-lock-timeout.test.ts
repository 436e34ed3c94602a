/**
 * `updateStatus(..., { timeoutMs })` gives up with ERR_LOCK_TIMEOUT, changing
 * nothing, when another transaction holds the job's row lock or the queue
 * lock; a claimNext waits for the queue lock and goes on when it is released.
 * A second connection (outside the store) holds the locks, so the waits are
 * real server-side lock waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgJobStore } from '@atomic-jobs/postgres';
import { PG_URL, freshSchema, pgStore } from '../fixtures/postgres-server.js';
import { outcome } from '../fixtures/postgres-parity.js';
import { rawClient, type RawClient } from '../fixtures/postgres-raw.js';

const SCHEMA = 'aj_test_lock_timeout';
let pg: PgJobStore;
let holder: RawClient;

beforeAll(async () => {
  await freshSchema(SCHEMA);
  pg = pgStore(SCHEMA);
  holder = await rawClient(PG_URL);
});
afterAll(async () => {
  await holder?.end();
  await pg?.close();
});

describe('PgJobStore lock timeouts', () => {
  it('a held row lock: ERR_LOCK_TIMEOUT (timeoutMs 50 and 0), the job unchanged; then the update goes through', async () => {
    await pg.create('t1');
    const claim = await pg.claim('t1');
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM "${SCHEMA}".jobs WHERE id = $1 FOR UPDATE`, [Buffer.from('t1')]);
    try {
      const before = await pg.get('t1');
      for (const timeoutMs of [50, 0]) {
        expect(await outcome(() => pg.updateStatus('t1', 'completed', 'x', { timeoutMs, attempt: claim?.attempts }))).toEqual({
          error: { name: 'LockTimeoutError', code: 'ERR_LOCK_TIMEOUT', message: `Timed out after ${Math.max(1, timeoutMs)} ms waiting for the lock` },
        });
      }
      expect(await pg.get('t1')).toEqual(before);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect(await pg.updateStatus('t1', 'completed', null, { timeoutMs: 1000, attempt: claim?.attempts })).toMatchObject({ status: 'completed' });
  });

  it('a held queue lock: queue moves time out, completion does not need it, claimNext waits for it', async () => {
    await pg.create('t2');
    await pg.create('t3');
    const claim = await pg.claim('t2');
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(1097818442, '"${SCHEMA}".jobs'::regclass::oid::integer)`);
    let claimed: Promise<unknown> | undefined;
    try {
      expect(await outcome(() => pg.updateStatus('t2', 'failed', 'x', { timeoutMs: 50 }))).toMatchObject({ error: { code: 'ERR_LOCK_TIMEOUT' } });
      expect(await pg.get('t2')).toMatchObject({ status: 'processing', version: 2 });
      claimed = pg.claimNext();
      let settled = false;
      void claimed.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(settled).toBe(false);
      // processing -> completed touches no queue: it does not wait.
      expect(await pg.updateStatus('t2', 'completed', null, { timeoutMs: 1000, attempt: claim?.attempts })).toMatchObject({ status: 'completed' });
    } finally {
      await holder.query('COMMIT');
    }
    expect(await claimed).toMatchObject({ id: 't3', status: 'processing' });
  });
});
