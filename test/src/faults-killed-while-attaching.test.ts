/**
 * A thread can be killed inside attach, between claiming a registry entry
 * and making it live (piscina destroys workers while they start). The entry
 * must come back once the thread is marked dead, and if it had belonged to
 * a dead thread, that thread must not look alive meanwhile: a lock it left
 * is still taken over.
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import { attachAll, deadHoldingJobAndQueueLocks, startAtFault } from './helpers/faults.js';

describe('locking per-job', () => {
  it('an entry never used before, claimed by a thread killed there, is reused once it is marked dead', async () => {
    const store = JobStore.create({ capacity: 4 });
    const killed = await startAtFault(store, { point: 'registering', how: 'hang', op: 'attach', id: '' });
    await killed.worker.terminate();
    expect(store.markThreadDead(killed.threadId)).toBe(1);
    // All 256 entries but the main thread's instance's, the killed thread's included.
    expect(attachAll(store)).toBe(255);
  });

  it("a dead thread's entry, claimed by a thread killed there: the lock the dead thread left is still taken over", async () => {
    const store = JobStore.create({ capacity: 4 });
    store.create('a');
    store.create('b');
    const claimed = await deadHoldingJobAndQueueLocks(store);
    // Use every never-used entry, so that the next attach takes the dead thread's.
    for (let i = 0; i < 254; i++) JobStore.attach(store.handle);
    const killed = await startAtFault(store, { point: 'registering', how: 'hang', op: 'attach', id: '' });
    await killed.worker.terminate();
    // a's lock is still the first dead thread's, taken over even before the
    // killed one is marked dead. The timeout only bounds a failure.
    const s = store.updateStatus('a', 'completed', null, { timeoutMs: 3000, attempt: claimed?.attempts });
    expect(s).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1 });
    expect(store.recovery()).toMatchObject({ locksRecovered: 2, jobsRepaired: 1 });
    // Once it is, the entry serves again.
    expect(store.markThreadDead(killed.threadId)).toBe(1);
    expect(attachAll(store)).toBe(1);
  });
});
