/**
 * The queue behaviours of PgJobStore, against a real server: claimNext takes
 * the oldest pending job (a job given back goes to the tail), retryFailed
 * re-queues oldest failure first, exactly as JobStore does; leases expire
 * into pending with attempts kept, and a claim reclaimed from under its
 * worker can no longer be finished by that worker (fencing). In
 * 'skip-locked' mode, concurrent claimers on separate connections still
 * claim every job exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore, type JobSnapshot } from '@atomic-jobs/store';
import type { PgJobStore } from '@atomic-jobs/postgres';
import { freshSchema, pgStore } from '../fixtures/postgres-server.js';
import { outcome } from '../fixtures/postgres-parity.js';

const SCHEMA = 'aj_test_queue';
const SKIP_SCHEMA = 'aj_test_queue_skip';
let pg: PgJobStore;

beforeAll(async () => {
  await freshSchema(SCHEMA);
  await freshSchema(SKIP_SCHEMA);
  pg = pgStore(SCHEMA, { leaseMs: 300 });
});
afterAll(async () => {
  await pg?.close();
});

describe('PgJobStore queue', () => {
  it('claimNext is FIFO, requeues go to the tail, retryFailed goes oldest failure first: same as JobStore', async () => {
    const mem = JobStore.create({ capacity: 16 });
    const script: [string, (s: JobStore | PgJobStore) => unknown][] = [
      ...['q1', 'q2', 'q3', 'q4', 'q5'].map((id): [string, (s: JobStore | PgJobStore) => unknown] => [`create ${id}`, (s) => s.create(id, { maxRetries: 2 })]),
      ['claimNext', (s) => s.claimNext()],
      ['claimNext', (s) => s.claimNext()],
      ['q1 back to pending', (s) => s.updateStatus('q1', 'pending')],
      ['claimNext', (s) => s.claimNext()],
      ['claimNext', (s) => s.claimNext()],
      ['q4 fails', (s) => s.updateStatus('q4', 'failed', 'x')],
      ['q2 fails', (s) => s.updateStatus('q2', 'failed', 'y')],
      ['q3 completes', (s) => s.updateStatus('q3', 'completed')],
      ['remove q5', (s) => s.remove('q5')],
      ['retryFailed', (s) => s.retryFailed()],
      ['retryFailed again', (s) => s.retryFailed()],
      ['claimNext', (s) => s.claimNext()],
      ['claimNext', (s) => s.claimNext()],
      ['claimNext', (s) => s.claimNext()],
      ['claimNext (empty)', (s) => s.claimNext()],
      ['pending list', (s) => s.list({ status: 'pending' })],
      ['counts', (s) => s.counts()],
    ];
    const claimedIds: unknown[] = [];
    for (const [what, call] of script) {
      const m = await outcome(() => call(mem));
      const p = await outcome(() => call(pg));
      expect(p, what).toEqual(m);
      if (what === 'claimNext' && 'value' in p) claimedIds.push((p.value as { id: string }).id);
    }
    // q1, q2 claimed; q1 requeued behind q3..q5; q3, q4 claimed; retries: q4 then q2; then q1, q4, q2.
    expect(claimedIds).toEqual(['q1', 'q2', 'q3', 'q4', 'q1', 'q4', 'q2']);
  });

  it('an expired lease returns the job to pending with its attempts kept; its old holder is fenced off', async () => {
    const job = await pg.create('lease-1', { maxRetries: 5 });
    const claim = await pg.claim('lease-1');
    expect(claim).toMatchObject({ status: 'processing', attempts: 1, version: job.version + 1 });
    const lease = await pg.lease('lease-1');
    expect(lease?.owner).toBe(pg.owner);
    const until = lease?.until ?? 0;
    // Just before the lease ends it stays (older leases of the first test go now). At its end: reclaimed.
    await pg.reclaimStalled(until - 1);
    expect(await pg.get('lease-1')).toMatchObject({ status: 'processing', attempts: 1 });
    expect(await pg.reclaimStalled(until)).toBe(1);
    expect(await pg.get('lease-1')).toMatchObject({ status: 'pending', attempts: 1, version: job.version + 2 });
    expect(await pg.lease('lease-1')).toBeUndefined();
    // The worker presumed dead comes back: its attempt is stale, now and after someone else claims again.
    const late = await outcome(() => pg.updateStatus('lease-1', 'completed', null, { attempt: 1 }));
    expect(late).toMatchObject({ error: { code: 'ERR_STALE_CLAIM', message: 'Job "lease-1": attempt 1 is stale (job is pending at attempt 1)' } });
    const second = await pg.claim('lease-1');
    expect(second).toMatchObject({ id: 'lease-1', attempts: 2 });
    expect(await outcome(() => pg.updateStatus('lease-1', 'completed', null, { attempt: 1 }))).toMatchObject({ error: { code: 'ERR_STALE_CLAIM' } });
    expect(await pg.updateStatus('lease-1', 'completed', null, { attempt: 2 })).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('reclaimStalled reports each job it reclaims, as left, oldest lease first', async () => {
    await pg.create('r-a');
    await pg.create('r-b');
    // b's lease ends first; id order would put a first.
    await pg.claim('r-b');
    await new Promise((r) => setTimeout(r, 5));
    await pg.claim('r-a');
    const until = (await pg.lease('r-a'))?.until ?? 0;
    expect(until).toBeGreaterThan((await pg.lease('r-b'))?.until ?? Infinity);
    const seen: JobSnapshot[] = [];
    const n = await pg.reclaimStalled({ now: until, onReclaimed: (job) => seen.push(job) });
    // Leases left by the tests above may go too, before ours.
    expect(n).toBe(seen.length);
    const ours = seen.filter((job) => job.id.startsWith('r-'));
    expect(ours.map((job) => job.id)).toEqual(['r-b', 'r-a']);
    for (const job of ours) {
      expect(job).toMatchObject({ status: 'pending', attempts: 1, version: 3 });
      expect(await pg.get(job.id)).toEqual(job);
    }
  });

  it('retryFailed reports each job it retries, as left, oldest failure first', async () => {
    for (const id of ['f-a', 'f-b']) await pg.create(id);
    for (const id of ['f-b', 'f-a']) {
      await pg.claim(id);
      await pg.updateStatus(id, 'failed', `boom ${id}`);
    }
    const seen: JobSnapshot[] = [];
    const n = await pg.retryFailed({ onRetried: (job) => seen.push(job) });
    // Failures left by the tests above may be retried too.
    expect(n).toBe(seen.length);
    const ours = seen.filter((job) => job.id.startsWith('f-'));
    expect(ours.map((job) => job.id)).toEqual(['f-b', 'f-a']);
    for (const job of ours) {
      expect(job).toMatchObject({ status: 'pending', attempts: 1, version: 4, lastError: `boom ${job.id}` });
      expect(await pg.get(job.id)).toEqual(job);
    }
  });

  it('reclaimStalled with the server clock, once the lease has really passed', async () => {
    await pg.create('lease-2');
    await pg.claim('lease-2');
    for (let i = 0; i < 100 && (await pg.get('lease-2'))?.status === 'processing'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await pg.reclaimStalled();
    }
    expect(await pg.get('lease-2')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pg.recovery().stalledReclaimed).toBeGreaterThanOrEqual(2);
  });

  it("'skip-locked': 4 claimers on their own connections claim each of 200 jobs exactly once", async () => {
    const claimers = Array.from({ length: 4 }, () => pgStore(SKIP_SCHEMA, { claimOrder: 'skip-locked', poolSize: 2 }));
    try {
      const [first] = claimers;
      for (let i = 0; i < 200; i++) await first?.create(`s${i}`);
      const got = await Promise.all(
        claimers.flatMap((s) =>
          [0, 1].map(async () => {
            const mine: string[] = [];
            for (let job = await s.claimNext(); job !== undefined; job = await s.claimNext()) mine.push(job.id);
            return mine;
          }),
        ),
      );
      const all = got.flat();
      expect(all.length).toBe(200);
      expect(new Set(all).size).toBe(200);
      expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1);
      expect(await first?.counts()).toMatchObject({ pending: 0, processing: 200 });
      for (const j of (await first?.list()) ?? []) expect(j.attempts).toBe(1);
    } finally {
      await Promise.all(claimers.map((s) => s.close()));
    }
  });
});
