/**
 * A thread can die holding two locks (a job's and the queue lock, in the
 * middle of a list move). The first waiter to come to either rolls back its
 * change; the other lock stays owned by the dead thread until someone needs
 * it. Meanwhile the dead thread's registry entry is free to be reused by a
 * new instance: the lock it left must still be taken over then, although
 * the entry that said "dead" now belongs to a live thread.
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import { attachAll, deadHoldingJobAndQueueLocks } from './helpers/faults.js';

describe('locking per-job', () => {
  it('a lock left by a dead thread is taken over after its registry entry was reused', async () => {
    const store = JobStore.create({ capacity: 4 });
    store.create('a');
    store.create('b');
    const claimed = await deadHoldingJobAndQueueLocks(store);
    expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
    // Attach until the registry is full: the dead thread's entry is among those reused.
    expect(attachAll(store)).toBe(255);
    // a's lock is still the dead thread's. The timeout only bounds a failure.
    const s = store.updateStatus('a', 'completed', null, { timeoutMs: 3000, attempt: claimed?.attempts });
    expect(s).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
    expect(store.recovery()).toMatchObject({ locksRecovered: 2, jobsRepaired: 1 });
  });
});
