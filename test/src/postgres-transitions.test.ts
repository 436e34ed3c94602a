/**
 * Every (from, to) pair against the store's transition table, on a real
 * PostgreSQL server: allowed pairs apply with every field as the
 * shared-memory store writes it, refused ones throw the same error and change
 * nothing. Each case runs on both stores and the outcomes must be equal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUSES, JobStore, canTransition, type JobStatus } from '@atomic-jobs/store';
import type { PgJobStore } from '@atomic-jobs/postgres';
import { freshSchema, pgStore } from '../fixtures/postgres-server.js';
import { outcome } from '../fixtures/postgres-parity.js';

const SCHEMA = 'aj_test_transitions';
let pg: PgJobStore;

beforeAll(async () => {
  await freshSchema(SCHEMA);
  pg = pgStore(SCHEMA, { maxErrorBytes: 16 });
});
afterAll(async () => {
  await pg?.close();
});

type AnyStore = Pick<JobStore, 'create' | 'claim' | 'updateStatus' | 'get'> | Pick<PgJobStore, 'create' | 'claim' | 'updateStatus' | 'get'>;

/** Bring job `id` into `from` (with `retriesLeft` deciding maxRetries for failed). */
async function into(s: AnyStore, id: string, from: JobStatus, retriesLeft: boolean): Promise<void> {
  await s.create(id, { maxRetries: retriesLeft ? 3 : 1 });
  if (from === 'pending') return;
  await s.claim(id);
  if (from !== 'processing') await s.updateStatus(id, from, from === 'failed' ? 'boom' : undefined);
}

const cases = JOB_STATUSES.flatMap((from) =>
  JOB_STATUSES.flatMap((to) => (from === 'failed' ? [true, false] : [true]).map((retriesLeft) => ({ from, to, retriesLeft }))),
);

describe('PgJobStore transitions: every pair, same outcome as JobStore', () => {
  it.each(cases)('$from -> $to (retries left: $retriesLeft)', async ({ from, to, retriesLeft }) => {
    const id = `${from}-${to}-${retriesLeft}`;
    const mem = JobStore.create({ capacity: 4, maxErrorBytes: 16 });
    await into(mem, id, from, retriesLeft);
    await into(pg, id, from, retriesLeft);
    const before = await pg.get(id);
    const allowed = canTransition(from, to, { attempts: 1, maxRetries: retriesLeft ? 3 : 1 });

    const message = 'a long error message, cut at sixteen bytes';
    const m = await outcome(() => mem.updateStatus(id, to, message));
    const p = await outcome(() => pg.updateStatus(id, to, message));
    expect(p).toEqual(m);
    if (allowed) {
      expect(p).toMatchObject({ value: { status: to, version: (before?.version ?? 0) + 1, lastError: 'a long error mes', lastErrorTruncated: true } });
    } else {
      expect(p).toMatchObject({ error: { name: 'InvalidTransitionError', code: 'ERR_INVALID_TRANSITION' } });
      expect(await pg.get(id)).toEqual(before);
    }
  });

  it('claim: pending -> processing with attempts + 1 and a lease; undefined otherwise; not found throws', async () => {
    const mem = JobStore.create({ capacity: 4 });
    for (const s of [mem, pg] as AnyStore[]) await s.create('c1');
    const m1 = await outcome(() => mem.claim('c1'));
    const p1 = await outcome(() => pg.claim('c1'));
    expect(p1).toEqual(m1);
    expect(p1).toMatchObject({ value: { status: 'processing', attempts: 1, version: 2 } });
    const lease = await pg.lease('c1');
    expect(lease?.owner).toBe(pg.owner);
    expect(lease?.until).toBeGreaterThan(Date.now() + pg.leaseMs - 60_000);
    expect(await outcome(() => pg.claim('c1'))).toEqual(await outcome(() => mem.claim('c1')));
    expect(await outcome(() => pg.claim('nope'))).toEqual(await outcome(() => mem.claim('nope')));
    expect(await pg.lease('nope')).toBeUndefined();
  });

  it('fencing: an update with a stale attempt is refused with ERR_STALE_CLAIM and changes nothing', async () => {
    const mem = JobStore.create({ capacity: 4 });
    for (const s of [mem, pg] as AnyStore[]) {
      await s.create('f1', { maxRetries: 5 });
      await s.claim('f1');
      await s.updateStatus('f1', 'pending');
      await s.claim('f1');
    }
    const before = await pg.get('f1');
    const m = await outcome(() => mem.updateStatus('f1', 'completed', null, { attempt: 1 }));
    const p = await outcome(() => pg.updateStatus('f1', 'completed', null, { attempt: 1 }));
    expect(p).toEqual(m);
    expect(p).toMatchObject({ error: { code: 'ERR_STALE_CLAIM' } });
    expect(await pg.get('f1')).toEqual(before);
    expect(await outcome(() => pg.updateStatus('f1', 'completed', null, { attempt: 2 }))).toEqual(
      await outcome(() => mem.updateStatus('f1', 'completed', null, { attempt: 2 })),
    );
  });

  it('remove refuses a processing job, then removes it once it is done', async () => {
    const mem = JobStore.create({ capacity: 4 });
    for (const s of [mem, pg] as AnyStore[]) {
      await s.create('r1');
      await s.claim('r1');
    }
    expect(await outcome(() => pg.remove('r1'))).toEqual(await outcome(() => mem.remove('r1')));
    expect(await pg.get('r1')).toMatchObject({ status: 'processing' });
    await pg.updateStatus('r1', 'completed');
    expect(await pg.remove('r1')).toBe(true);
    expect(await pg.remove('r1')).toBe(false);
    expect(await pg.get('r1')).toBeUndefined();
  });
});
