/**
 * detach() gives a registry entry back; it says nothing about the thread's
 * life. A thread that detached one JobStore instance and works with another
 * holds a job's lock: a waiter must keep waiting (and time out), not take
 * the lock over as if the holder had died. Only markThreadDead lets it in.
 */
import { describe, expect, it } from 'vitest';
import { LockTimeoutError } from '@atomic-jobs/store';
import { jobHeldMidWrite } from './helpers/faults.js';

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a live holder with a detached instance keeps its lock', async () => {
    const { store, claimed, holder } = await jobHeldMidWrite(locking, true);
    try {
      // Several dead-owner polls (50 ms each) fit in the timeout: a store that
      // read the detached entry as a death would take the lock over and succeed.
      expect(() => store.updateStatus('a', 'completed', undefined, { timeoutMs: 400 })).toThrow(LockTimeoutError);
      expect(store.recovery().locksRecovered).toBe(0);
      await holder.worker.terminate();
      store.markThreadDead(holder.threadId);
      // Now it is dead: the next caller takes over and the half-written change is undone.
      expect(store.updateStatus('a', 'completed', undefined, { timeoutMs: 5000 })).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
      expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
    } finally {
      await holder.worker.terminate();
    }
  });
});
