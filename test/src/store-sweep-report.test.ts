/**
 * The sweeps report what they moved: reclaimStalled's `onReclaimed` and
 * retryFailed's `onRetried` are called once per job, with the job as the
 * sweep left it, in the order of the sweep (oldest lease, oldest failure
 * first), after the job's lock is released; a throwing callback stops the
 * sweep and leaves the jobs moved so far moved.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, type JobSnapshot, type Locking } from '@atomic-jobs/store';

/** Block this thread until Date.now() has moved past `t`, so two claims get different leases. */
function pastMs(t: number): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() <= t) Atomics.wait(nap, 0, 0, 1);
}

/** Jobs a, b, c created in that order (slots 0, 1, 2), claimed c, then a, then b, each in a later millisecond. */
function claimedOutOfSlotOrder(locking: Locking): { store: JobStore; leases: Map<string, number> } {
  const store = JobStore.create({ capacity: 8, locking, leaseMs: 1000 });
  for (const id of ['a', 'b', 'c', 'idle']) store.create(id);
  const leases = new Map<string, number>();
  for (const id of ['c', 'a', 'b']) {
    // A claim's lease runs from the instant it stamps as updatedAt.
    const claimedAt = store.claim(id)?.updatedAt ?? Number.NaN;
    leases.set(id, claimedAt + 1000);
    pastMs(claimedAt);
  }
  return { store, leases };
}

describe.each<Locking>(['per-job', 'global'])('reclaimStalled, locking %s', (locking) => {
  it('reports each reclaimed job once, as left, oldest lease first, and queues them in that order', () => {
    const { store } = claimedOutOfSlotOrder(locking);
    const seen: JobSnapshot[] = [];
    expect(store.reclaimStalled({ now: Number.MAX_SAFE_INTEGER, onReclaimed: (job) => seen.push(job) })).toBe(3);
    // Slot order would be a, b, c.
    expect(seen.map((j) => j.id)).toEqual(['c', 'a', 'b']);
    for (const job of seen) {
      expect(job).toMatchObject({ status: 'pending', attempts: 1, version: 3, lastError: null });
      expect(store.get(job.id)).toEqual(job);
    }
    // 'idle' was queued first and never left; the reclaimed follow in the order reported.
    expect([1, 2, 3, 4].map(() => store.claimNext()?.id)).toEqual(['idle', 'c', 'a', 'b']);
    expect(store.recovery().stalledReclaimed).toBe(3);
  });

  it('only jobs whose lease expired by `now`', () => {
    const { store, leases } = claimedOutOfSlotOrder(locking);
    const seen: string[] = [];
    // c's and a's leases have expired at a's; b's, a millisecond later or more, has not.
    expect(store.reclaimStalled({ now: leases.get('a'), onReclaimed: (job) => seen.push(job.id) })).toBe(2);
    expect(seen).toEqual(['c', 'a']);
    expect(store.get('b')).toMatchObject({ status: 'processing', attempts: 1 });
  });

  it('calls back with the lock released: the callback may use the store', () => {
    const { store } = claimedOutOfSlotOrder(locking);
    const again: (number | undefined)[] = [];
    // Claiming the job just reclaimed would throw DeadlockError if its lock (or the global one) were still held.
    store.reclaimStalled({ now: Number.MAX_SAFE_INTEGER, onReclaimed: (job) => again.push(store.claim(job.id)?.attempts) });
    expect(again).toEqual([2, 2, 2]);
    expect(store.counts()).toMatchObject({ processing: 3, pending: 1 });
  });

  it('a throwing callback stops the sweep: the error propagates, the jobs reclaimed so far stay reclaimed', () => {
    const { store } = claimedOutOfSlotOrder(locking);
    const boom = new Error('stop here');
    const seen: string[] = [];
    expect(() => store.reclaimStalled({
      now: Number.MAX_SAFE_INTEGER,
      onReclaimed: (job) => {
        seen.push(job.id);
        if (seen.length === 2) throw boom;
      },
    })).toThrow(boom);
    expect(seen).toEqual(['c', 'a']);
    expect(store.list().map((j) => [j.id, j.status])).toEqual([['a', 'pending'], ['b', 'processing'], ['c', 'pending'], ['idle', 'pending']]);
    expect(store.recovery().stalledReclaimed).toBe(2);
    // The rest is reclaimed by the next sweep.
    expect(store.reclaimStalled(Number.MAX_SAFE_INTEGER)).toBe(1);
  });
});

/** Jobs a, b, c (slots 0, 1, 2) failed c, then a, then b, with retries left; 'idle' pending. */
function failedOutOfSlotOrder(locking: Locking): JobStore {
  const store = JobStore.create({ capacity: 8, locking });
  for (const id of ['a', 'b', 'c', 'idle']) store.create(id);
  for (const id of ['c', 'a', 'b']) {
    store.claim(id);
    store.updateStatus(id, 'failed', `boom ${id}`);
  }
  return store;
}

describe.each<Locking>(['per-job', 'global'])('retryFailed, locking %s', (locking) => {
  it('reports each retried job once, as left, oldest failure first', () => {
    const store = failedOutOfSlotOrder(locking);
    const seen: JobSnapshot[] = [];
    expect(store.retryFailed({ onRetried: (job) => seen.push(job) })).toBe(3);
    expect(seen.map((j) => j.id)).toEqual(['c', 'a', 'b']);
    for (const job of seen) {
      expect(job).toMatchObject({ status: 'pending', attempts: 1, version: 4, lastError: `boom ${job.id}` });
      expect(store.get(job.id)).toEqual(job);
    }
    expect([1, 2, 3, 4].map(() => store.claimNext()?.id)).toEqual(['idle', 'c', 'a', 'b']);
  });

  it('calls back with the lock released, and a throw stops the sweep with the jobs retried so far retried', () => {
    const store = failedOutOfSlotOrder(locking);
    const boom = new Error('stop here');
    const claimed: (number | undefined)[] = [];
    expect(() => store.retryFailed({
      onRetried: (job) => {
        // Would throw DeadlockError if the job's lock (or the global one) were still held.
        claimed.push(store.claim(job.id)?.attempts);
        if (claimed.length === 2) throw boom;
      },
    })).toThrow(boom);
    expect(claimed).toEqual([2, 2]);
    expect(store.list().map((j) => [j.id, j.status])).toEqual([['a', 'processing'], ['b', 'failed'], ['c', 'processing'], ['idle', 'pending']]);
    expect(store.retryFailed()).toBe(1);
  });
});
