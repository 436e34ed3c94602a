/**
 * Threads asleep on a lock whose holder dies are woken by markThreadDead
 * itself, not left to their next 50 ms poll: the waiter here is asleep on the
 * job's lock (the registry says so) when its holder is killed mid-write, and
 * the acquisition it then completes records a sleep ended by a notify, which
 * only markThreadDead sends (the killed holder never unlocks). Without the
 * wake-up the sleeps end by timing out, which are not counted. And a thread
 * that comes to the lock after the death takes it over at its first look,
 * before any sleep: even with timeoutMs 0 it gets the lock rather than a
 * LockTimeoutError.
 */
import { describe, expect, it } from 'vitest';
import type { StoreStats } from '@atomic-jobs/store';
import { sleepingThreads } from '@atomic-jobs/store/testing';
import { jobHeldMidWrite, startWaiter } from './helpers/faults.js';

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a waiter asleep behind a holder that dies is woken by markThreadDead', async () => {
    const { store, claimed, holder: dying } = await jobHeldMidWrite(locking);
    const lock: keyof StoreStats['locks'] = locking === 'global' ? 'global' : 'jobs';
    // The holder's own acquisition was uncontended: no wait counted yet.
    const before = store.stats().locks[lock].waits;
    const { worker: waiter, result } = startWaiter(store, 'a', 'completed', claimed?.attempts);
    // Asleep in Atomics.wait on the held lock (past its spin).
    while (sleepingThreads(store.handle) === 0) await new Promise((r) => setTimeout(r, 2));
    await dying.worker.terminate();
    store.markThreadDead(dying.threadId);
    const r = await result;
    expect(r.ok).toBe(true);
    expect(r.snapshot).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1 });
    await waiter.terminate();
    expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
    expect(store.stats().locks[lock].waits - before).toBeGreaterThanOrEqual(1);
    expect(sleepingThreads(store.handle)).toBe(0);
  });

  it('a thread that comes after the death takes the lock over at its first look (even with timeoutMs 0)', async () => {
    const { store, claimed, holder: dying } = await jobHeldMidWrite(locking);
    await dying.worker.terminate();
    store.markThreadDead(dying.threadId);
    // No waiting allowed: before any sleep, the lock must be seen to belong to a dead thread.
    const s = store.updateStatus('a', 'completed', null, { timeoutMs: 0, attempt: claimed?.attempts });
    expect(s).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
    expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
  });
});
