/**
 * The futex protocol behind {@link Mutex} and the store's job and structure
 * locks, written as plain functions over one Int32Array / Float64Array pair so
 * the store can lock any of its million slot locks without allocating. The
 * words and their bits are in lock-word.ts.
 *
 * The design is the futex mutex of Drepper's "Futexes Are Tricky": a
 * SLEEPING bit in the word (his state 2) makes the unlock's one CAS fail
 * when someone may sleep, so the uncontended unlock is a single CAS; beside
 * the word, an exact sleeper count and, like Go's mutexWoken, a WOKEN bit
 * decide whether that slow unlock really notifies; plus Go's starvation mode
 * made strict by a direct handoff to one designated heir.
 */
import { AbortedError, DeadlockError, LockTimeoutError, NotOwnerError } from './errors.js';
import { fault } from './faults.js';
import { Acquirer, slowWord } from './lock-acquirer.js';
import { recordContended, recordSpun, statsIndex } from './lock-stats.js';
import {
  OWNER_SHIFT, POLL_MS, SELF, SELF_WORD, SLEEPER, SLEEPING, STARVING, WOKEN, ownerOf, type GiveUp, type LockViews,
} from './lock-word.js';

/**
 * Loads spent spinning before going to sleep. Loads keep the cache line
 * shared; CAS only when it looks free. With the pauses doubling from 1 to
 * SPIN_MAX_PAUSE, the whole spin is about 2,300 loop iterations (a few
 * microseconds, as with the 40 loads it replaced) before the waiter sleeps.
 */
export const SPIN_LIMIT = 16;
/**
 * Longest pause between two spin loads, in iterations of a trivial loop (one
 * to two ns each). Fewer, more widely spaced loads make a contended lock
 * faster: every load by a waiter pulls the line out of the holder's cache,
 * and the holder's next unlock and lock then miss. Against 40 loads with
 * pauses up to 64, a contended lock + unlock of an empty critical section
 * takes 8-15 % less time at 2, 4 and 8 threads, and V8's Atomics.Mutex
 * takes 1.12-1.22x as long as ours instead of 1.00-1.08x (`node
 * scripts/ab-mutex.mjs <old> <new> --threads N --v8`).
 *
 * Not wider: with pauses up to 1,024 it was faster still on an empty
 * critical section, but a waiter for one of the store's job locks (held
 * ~0.5-1 us, free for a few hundred ns between two calls of the holder)
 * then looked too rarely to find it free, went to sleep and waited for a
 * wake-up: the p99 wait at 2 threads on one hot job went from 2-5 us to
 * 6-19 us. With 256 it stays at 2-5 us. Fairness is not left to the spin:
 * a waiter past STARVE_MS gets the lock handed to it.
 */
export const SPIN_MAX_PAUSE = 256;

/**
 * Fast path: one compareExchange; on success count the acquisition (a plain
 * store: the statistics words are the lock's own, which we now hold, or this
 * thread's own; see acquire).
 */
export function tryAcquire(v: LockViews, base: number, s: number): boolean {
  if (Atomics.compareExchange(v.i32, base >> 2, 0, SELF_WORD) !== 0) return false;
  v.f64[s] = (v.f64[s] ?? 0) + 1;
  return true;
}

/** Busy work between spin loads, kept alive so the JIT cannot drop it. */
let spinSink = 0;

/**
 * Bounded spinning with exponential backoff. Between loads we pause on
 * private work instead of re-reading the word, so spinners do not keep
 * pulling the cache line away from the holder (whose unlock and next lock
 * need it exclusive). CAS only when the word reads free.
 */
function spin(i32: Int32Array, w: number): boolean {
  let pause = 1;
  let got = false;
  for (let i = 0; i < SPIN_LIMIT; i++) {
    const v = Atomics.load(i32, w);
    if (v === 0) {
      if (Atomics.compareExchange(i32, w, 0, slowWord(i32, w)) === 0) {
        got = true;
        break;
      }
    } else if ((v & STARVING) !== 0) {
      // A starving heir is queued: do not barge, go to sleep behind it.
      break;
    }
    for (let k = 0; k < pause; k++) spinSink = (spinSink + k) | 0;
    if (pause < SPIN_MAX_PAUSE) pause <<= 1;
  }
  return got;
}

function isAborted(g: GiveUp): boolean {
  return g.signal?.aborted === true;
}

function giveUpError(g: GiveUp): Error {
  return g.signal?.aborted === true ? new AbortedError(g.signal.reason) : new LockTimeoutError(g.timeoutMs);
}

/**
 * Blocking acquire (Atomics.wait). Throws LockTimeoutError / AbortedError / DeadlockError.
 * `s` is the Float64Array index of the five statistics words the acquisition
 * is counted in: the lock's own (statsIndex(base), LOCK_STAT_*), or for the
 * store's job locks the acquiring thread's own words, so that a job's slot
 * holds only the lock's first words (JOB_LOCK_BYTES).
 */
export function acquire(v: LockViews, base: number, g: GiveUp, s: number): void {
  // An already-aborted signal refuses even a free lock (as navigator.locks does).
  if (g.signal !== undefined && g.signal.aborted) throw new AbortedError(g.signal.reason);
  if (!tryAcquire(v, base, s)) acquireSlow(v, base, g, s);
}

/** The contended path of acquire(); the caller has checked the signal and tried the fast path. */
function acquireSlow(v: LockViews, base: number, g: GiveUp, s: number): void {
  const { i32, f64 } = v;
  const w = base >> 2;
  if (ownerOf(Atomics.load(i32, w)) === SELF) throw new DeadlockError();
  // Spin first: most contended acquisitions end here, within about a
  // microsecond, so they are counted as contended but not timed (a clock read
  // would cost as much as the spin).
  if (spin(i32, w)) return recordSpun(f64, s);
  const a = new Acquirer(i32, w, g.robust);
  for (;;) {
    const target = a.step();
    if (target === 0) break;
    if (target === -1) continue;
    const now = performance.now();
    if (now >= g.deadline || isAborted(g)) {
      if (a.withdraw()) break;
      throw giveUpError(g);
    }
    // Sleep until an unlock notifies us or the poll interval passes. Whatever
    // woke us, we loop and look at the word again: wake-ups carry no ownership
    // (except a handoff, which step() recognises by our id in the word).
    a.sleep(target, Math.min(g.deadline - now, POLL_MS));
    // Freshly woken: the lock is often free for a moment; spin for it before
    // sleeping again (a heir waits for its handoff instead).
    if (!a.heir && spin(i32, w)) break;
  }
  recordContended(f64, s, a.start, a.sleeps);
}

/**
 * Non-blocking acquire for threads that must not block (the main thread's
 * event loop): the same protocol, sleeping in Atomics.waitAsync instead.
 * A pending waitAsync does not keep Node's event loop alive, so a ref'd timer
 * is held for as long as we wait.
 */
export async function acquireAsync(v: LockViews, base: number, g: GiveUp): Promise<void> {
  const { i32, f64 } = v;
  const w = base >> 2;
  if (g.signal !== undefined && g.signal.aborted) throw new AbortedError(g.signal.reason);
  if (tryAcquire(v, base, statsIndex(base))) return;
  if (ownerOf(Atomics.load(i32, w)) === SELF) throw new DeadlockError();
  const a = new Acquirer(i32, w, g.robust);
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    for (;;) {
      const target = a.step();
      if (target === 0) break;
      if (target === -1) continue;
      const now = performance.now();
      if (now >= g.deadline || isAborted(g)) {
        if (a.withdraw()) break;
        throw giveUpError(g);
      }
      // Same protocol as Acquirer.sleep: the heir sleeps on HEIR; others count
      // themselves before the word is re-checked.
      const timeout = Math.min(g.deadline - now, POLL_MS);
      if (a.heir) {
        const r = Atomics.waitAsync(i32, w + 1, a.heirWaitValue(), timeout);
        a.polled = (r.async ? await raceAbort(r.value, g.signal) : r.value) === 'timed-out';
        continue;
      }
      Atomics.add(i32, w + 2, SLEEPER);
      const r = Atomics.waitAsync(i32, w, target, timeout);
      let result: unknown = r.value;
      try {
        if (r.async) result = await raceAbort(r.value, g.signal);
      } finally {
        a.awake(result);
      }
    }
  } finally {
    clearInterval(keepAlive);
  }
  recordContended(f64, statsIndex(base), a.start, a.sleeps);
}

function raceAbort(p: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (signal === undefined) return p;
  return new Promise((resolve) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then((r) => {
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    });
  });
}

/**
 * Unlock. Fast path: one compareExchange from "ours, no flags" to 0. It
 * fails when SLEEPING (or STARVING) is set, and the slow path releases and
 * wakes one.
 *
 * Why no wake-up is lost: a thread only sleeps on a word value carrying
 * SLEEPING, which it put there itself with a CAS (Acquirer.step), and
 * Atomics.wait re-checks that exact value atomically. So the owner of that
 * value fails its fast CAS and goes to releaseSlow. There, after clearing the
 * word, it reads the sleeper count. The sleeper incremented the count before
 * its wait compared the word; all are seq_cst, in one total order:
 *  - if the count read comes after the increment, we see it and notify; the
 *    sleeper is in the wait list (woken) or not yet comparing (and sees the
 *    word changed, so does not sleep);
 *  - if it comes before, so did our clearing, and the sleeper's compare sees
 *    the new word and returns 'not-equal' at once. Should the word hold the
 *    very same flagged value again (same owner, flagged again), that owner's
 *    unlock comes after the increment and notifies.
 * Sleepers not woken stay counted, so whoever takes the lock from the slow
 * path keeps SLEEPING set for them (slowWord); a barger on the fast path
 * does not, but then the thread this unlock woke re-flags its word before
 * sleeping again, or takes the lock itself with the flag.
 */
export function release(v: LockViews, base: number): void {
  const w = base >> 2;
  if (Atomics.compareExchange(v.i32, w, SELF_WORD, 0) !== SELF_WORD) releaseSlow(v.i32, w);
}

/**
 * Wake one sleeper unless one is already woken and on its way (WOKEN set):
 * that one will look at the word and take the lock or sleep again, and the
 * next unlock then wakes someone. Setting WOKEN with a CAS means only
 * one unlocker pays for the notify. If the notify found nobody in the wait
 * list (the counted sleeper had not reached Atomics.wait yet, and will see
 * the changed word; or it timed out), we clear WOKEN ourselves, since nobody
 * else will.
 */
function wakeOne(i32: Int32Array, w: number): void {
  const s = Atomics.load(i32, w + 2);
  if (s < SLEEPER || (s & WOKEN) !== 0) return;
  if (Atomics.compareExchange(i32, w + 2, s, s | WOKEN) !== s) return;
  if (Atomics.notify(i32, w, 1) === 0) Atomics.and(i32, w + 2, ~WOKEN);
}

function releaseSlow(i32: Int32Array, w: number): void {
  for (;;) {
    const v = Atomics.load(i32, w);
    const owner = ownerOf(v);
    if (owner !== SELF) throw new NotOwnerError(owner - 1);
    if ((v & STARVING) !== 0) {
      // Starvation mode: hand the lock straight to the heir. The exchange takes
      // the registration (so the heir cannot withdraw now, see withdraw()); the
      // word goes from "ours" to "the heir's" without ever being 0, so no
      // newcomer can barge in between. While we own the word, others only
      // add flags to it (the heir STARVING, sleepers SLEEPING), so a plain
      // store that writes SLEEPING itself loses nothing (see below). The heir
      // sleeps on the HEIR word (see Acquirer.sleep), so one notify there
      // wakes exactly it. At most once per starvation episode, never on the
      // fast path.
      //
      // The exchange leaves our mark in HEIR (-SELF), not 0, until the heir's
      // word is stored: no other waiter can register as heir in between.
      // One that did would look at the word we are about to replace, see the
      // STARVING flag it carries, take it for its own and sleep on HEIR; our
      // store then drops the flag, the new owner's unlock takes the fast
      // path, and that heir would sleep out its poll (50 ms; measured with 8
      // threads on 2 cores, before this mark and the re-look after
      // registering in Acquirer.step). Waiters that fail to register
      // meanwhile sleep as ordinary, counted sleepers.
      const heir = Atomics.exchange(i32, w + 1, -SELF);
      if (heir > 0) {
        fault('handing-over');
        // SLEEPING always, not only when sleepers are counted: a waiter may
        // flag the old word and count itself after any count we could read,
        // and be asleep on that old word by the time we store. The heir's
        // unlock must then take the slow path, which wakes it.
        Atomics.store(i32, w, (heir << OWNER_SHIFT) | SLEEPING);
        // Our mark off, then the notify: a heir that found the mark sleeps
        // on it (Acquirer.sleep), so it is either asleep by now and woken
        // here, or its wait begins after the mark is gone and returns at
        // once. The heir is woken, not a newer heir that registers in
        // between: it went to sleep on HEIR first, and notify wakes in
        // order of arrival (a newer heir woken instead, because ours was
        // awake, only looks at the word and sleeps again).
        Atomics.compareExchange(i32, w + 1, -SELF, 0);
        Atomics.notify(i32, w + 1, 1);
        return;
      }
      Atomics.compareExchange(i32, w + 1, -SELF, 0);
    }
    // SLEEPING (or STARVING whose heir withdrew): release, then wake one. A
    // CAS, not a store, so a bit added since our load is not lost.
    if (Atomics.compareExchange(i32, w, v, 0) !== v) continue;
    if (Atomics.load(i32, w + 2) !== 0) wakeOne(i32, w);
    return;
  }
}
