/**
 * A thread killed while asleep on a lock (a cancelled task's worker is
 * terminated wherever it waits) never takes itself out of the lock's sleeper
 * count; markThreadDead does it. Left counted, the lock's contended unlocks
 * would all look for a sleeper to wake that is gone.
 */
import { describe, expect, it } from 'vitest';
import { countedSleepers } from '@atomic-jobs/store/testing';
import { jobHeldMidWrite, startWaiter } from './helpers/faults.js';

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a waiter killed asleep is no longer counted once marked dead, and the lock still works', async () => {
    const { store, claimed, holder } = await jobHeldMidWrite(locking);
    const { worker: waiter } = startWaiter(store, 'a', 'completed', claimed?.attempts);
    // Asleep on a's lock (or the global lock), counted.
    while (countedSleepers(store.handle, 'a') === 0) await new Promise((r) => setTimeout(r, 2));
    const waiterId = waiter.threadId;
    await waiter.terminate();
    expect(store.markThreadDead(waiterId)).toBe(1);
    expect(countedSleepers(store.handle, 'a')).toBe(0);
    // The holder dies too; the next caller takes over and the lock works as before.
    await holder.worker.terminate();
    store.markThreadDead(holder.threadId);
    const s = store.updateStatus('a', 'completed', null, { timeoutMs: 10_000, attempt: claimed?.attempts });
    expect(s).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1 });
    expect(countedSleepers(store.handle, 'a')).toBe(0);
  });
});
