/**
 * Threads asleep on a lock whose holder dies are woken by markThreadDead
 * itself, not left to their next 50 ms poll: the waiter here is asleep on the
 * job's lock (the registry says so) when its holder is killed mid-write, and
 * the acquisition it then completes records a sleep ended by a notify, which
 * only markThreadDead sends (the killed holder never unlocks). Without the
 * wake-up the sleeps end by timing out, which are not counted. And a thread
 * that comes to the lock after the death takes it over at its first look,
 * before any sleep: even with timeoutMs 0 it gets the lock rather than a
 * LockTimeoutError. A waiter stopped just before its Atomics.wait while the
 * death is marked (markThreadDead's notify then finds nobody asleep) does
 * not go to sleep on the dead owner's word either: markThreadDead flags the
 * word first, so the wait sees it changed.
 */
import { describe, expect, it } from 'vitest';
import type { StoreStats } from '@atomic-jobs/store';
import { jobLockOffset, sleepingThreads } from '@atomic-jobs/store/testing';
import { jobHeldMidWrite, startWaiter } from './helpers/faults.js';
import { sleep, until } from './helpers/threads.js';
import { PARK_BYTES, PARK_REACHED, PARK_RESUME } from '../fixtures/park.js';

/** Lock word flag set by markThreadDead (OWNER_DIED), and the HEIR word's index from the lock word (packages/store/src/lock-word.ts). */
const OWNER_DIED = 4;
const HEIR = 1;

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

  it('a waiter about to sleep when the holder is marked dead does not sleep on its word', async () => {
    // The waiter must stop as an ordinary sleeper. Delayed past the starvation
    // threshold (1 ms: a loaded machine can do that), it becomes the heir and
    // sleeps on the HEIR word instead, which a death does not change (the
    // window the README still lists): then start again.
    for (let attempt = 1; ; attempt++) {
      const { store, claimed, holder: dying } = await jobHeldMidWrite(locking);
      const lock = new Int32Array(store.handle.buffer);
      const word = jobLockOffset(store.handle, 'a') >> 2;
      const park = new Int32Array(new SharedArrayBuffer(PARK_BYTES));
      const { worker: waiter, result } = startWaiter(store, 'a', 'completed', claimed?.attempts, park.buffer as SharedArrayBuffer);
      // Counted and published as asleep, its death count read, its Atomics.wait not begun.
      await until(() => Atomics.load(park, PARK_REACHED) === 1, 'the waiter to be about to sleep');
      if (Atomics.load(lock, word + HEIR) === waiter.threadId + 1) {
        expect(attempt, 'parked as the heir every time').toBeLessThan(5);
        await Promise.all([waiter.terminate(), dying.worker.terminate()]);
        continue;
      }
      await dying.worker.terminate();
      store.markThreadDead(dying.threadId);
      expect(Atomics.load(lock, word) & OWNER_DIED).toBe(OWNER_DIED);
      Atomics.store(park, PARK_RESUME, 1);
      Atomics.notify(park, PARK_RESUME);
      // Asleep on the dead owner's word, it would wait out its poll; a notify there finds it (and wakes it).
      let done = false;
      void result.then(() => { done = true; });
      let asleepOnDeadOwner = false;
      while (!done) {
        if (Atomics.notify(lock, word, 1) > 0) asleepOnDeadOwner = true;
        await sleep(1);
      }
      expect(asleepOnDeadOwner).toBe(false);
      expect(await result).toMatchObject({ ok: true, snapshot: { status: 'completed', version: (claimed?.version ?? 0) + 1 } });
      await waiter.terminate();
      expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
      expect(Atomics.load(lock, word)).toBe(0);
      return;
    }
  });
});
