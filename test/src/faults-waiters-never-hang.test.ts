/**
 * A worker waiting for a job's lock while the holder dies inside its critical
 * section is not left hanging: it learns from the registry that the owner is
 * dead, the interrupted change is rolled back, and its own update goes through.
 */
import { describe, expect, it } from 'vitest';
import { jobHeldMidWrite, startWaiter } from './helpers/faults.js';

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a blocked updateStatus completes after the holder dies mid-write', async () => {
    const { store, claimed, holder: dying } = await jobHeldMidWrite(locking);
    // The waiter blocks on the lock the dying worker holds.
    const { worker: waiter, result } = startWaiter(store, 'a', 'completed', claimed?.attempts);
    await dying.worker.terminate();
    store.markThreadDead(dying.threadId);
    const r = await result;
    expect(r.ok).toBe(true);
    expect(r.snapshot).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
    await waiter.terminate();
    expect(store.recovery().locksRecovered).toBe(1);
    expect(store.recovery().jobsRepaired).toBe(1);
  });
});
