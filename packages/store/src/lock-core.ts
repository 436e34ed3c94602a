/**
 * The futex protocol behind {@link Mutex} and the store's job and structure
 * locks, written as plain functions over one Int32Array / Float64Array pair so
 * the store can lock any of its million slot locks without allocating.
 *
 * Memory of one lock (`LOCK_BYTES` = 56, base 8-byte aligned):
 *
 *   +0  WORD      i32  (owner << 3) | OWNER_DIED | STARVING | SLEEPING, 0 = free
 *   +4  HEIR      i32  owner id of the one starving waiter the next unlock hands to, 0 = none
 *   +8  SLEEPERS  i32  (threads in Atomics.wait/waitAsync on WORD, or about to be) << 1 | WOKEN
 *   +12 (reserved)
 *   +16 ACQUISITIONS      f64 \
 *   +24 CONTENDED_ACQ     f64  |  statistics, written only by the thread that
 *   +32 WAITS             f64  |  holds the lock, right after it took it: the
 *   +40 WAIT_TOTAL_MS     f64  |  lock itself orders them, so they are plain
 *   +48 WAIT_MAX_MS       f64 /   stores, not atomics ("cheap enough to leave on")
 *
 * The owner id is `worker_threads.threadId + 1` (the main thread is 0), so a
 * free word is exactly 0 and the word tells who holds it: unlock by anyone
 * else throws, and a lock whose owner died can be recognised and recovered.
 *
 * The design is the futex mutex of Drepper's "Futexes Are Tricky": a
 * SLEEPING bit in the word (his state 2) makes the unlock's one CAS fail
 * when someone may sleep, so the uncontended unlock is a single CAS; beside
 * the word, an exact sleeper count and, like Go's mutexWoken, a WOKEN bit
 * decide whether that slow unlock really notifies; plus Go's starvation mode
 * made strict by a direct handoff to one designated heir.
 */
import { threadId } from 'node:worker_threads';
import { AbortedError, DeadlockError, LockTimeoutError, NotOwnerError } from './errors.js';

export const LOCK_BYTES = 56;
/**
 * A lock whose acquisitions are counted elsewhere (acquire's `s`) uses only
 * WORD, HEIR and SLEEPERS (and the reserved word): the store's job locks.
 */
export const JOB_LOCK_BYTES = 16;
export const LOCK_WORD = 0;
export const LOCK_HEIR = 4;
export const LOCK_SLEEPERS = 8;
export const LOCK_STAT_ACQUISITIONS = 16;
export const LOCK_STAT_CONTENDED = 24;
export const LOCK_STAT_WAITS = 32;
export const LOCK_STAT_WAIT_TOTAL_MS = 40;
export const LOCK_STAT_WAIT_MAX_MS = 48;

/**
 * A thread may be asleep on this word (or about to be): the unlock's fast CAS
 * fails and it takes the slow path, which wakes one. Set by a sleeper with a
 * CAS on the exact value it then sleeps on; kept by acquirers that see other
 * sleepers counted; cleared by the unlock.
 */
export const SLEEPING = 1;
/** A waiter has waited past STARVE_MS and is registered in HEIR: the next unlock hands the lock to it. */
export const STARVING = 2;
/** Reserved: the previous owner died holding the lock (robust-mutex recovery). */
export const OWNER_DIED = 4;
export const OWNER_SHIFT = 3;
/** SLEEPERS word: bit 0 is WOKEN (a notified thread has not yet looked at the word); the count is above it. */
export const WOKEN = 1;
export const SLEEPER = 2;
/** Owner ids must fit in the 28 bits above the flags. */
export const MAX_OWNER = (1 << 28) - 1;

/** The word an acquirer in the slow path writes: ours, flagged SLEEPING if other threads are counted asleep. */
function slowWord(i32: Int32Array, w: number): number {
  return Atomics.load(i32, w + 2) >= SLEEPER ? SELF_WORD | SLEEPING : SELF_WORD;
}

/** This thread's owner id: `threadId + 1`, so that 0 can mean "free". */
export const SELF = threadId + 1;
/** The word this thread writes when it takes a free lock. */
export const SELF_WORD = SELF << OWNER_SHIFT;

/**
 * Loads spent spinning before going to sleep. Loads keep the cache line
 * shared; CAS only when it looks free. With the pauses doubling from 1 to
 * SPIN_MAX_PAUSE, the whole spin is about 3,000 loop iterations (a few
 * microseconds) before the waiter sleeps.
 */
export const SPIN_LIMIT = 12;
/**
 * Longest pause between two spin loads, in iterations of a trivial loop (one
 * to two ns each). Few, widely spaced loads are what make a contended lock
 * fast: every load by a waiter pulls the line out of the holder's cache, and
 * the holder's next unlock and lock then miss. Measured against 40 loads
 * with pauses up to 64 (the same few microseconds of spinning), V8's
 * Atomics.Mutex / ours at 2, 4 and 8 threads went from 1.01-1.28 to
 * 1.16-1.40 (scripts/ab-mutex.mjs, README). Fairness is not left to the
 * spin: a waiter past STARVE_MS gets the lock handed to it.
 */
export const SPIN_MAX_PAUSE = 1024;
/** A waiter that has waited this long stops letting newcomers barge past it (Go's starvationThresholdNs). */
export const STARVE_MS = 1;
/** Upper bound of one Atomics.wait, so timeouts, aborts and dead owners are noticed. */
export const POLL_MS = 50;

export interface LockViews {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

const viewCache = new WeakMap<SharedArrayBuffer, LockViews>();

/** Int32 / Float64 views over a whole SharedArrayBuffer, made once per buffer per thread. */
export function viewsOf(buffer: SharedArrayBuffer): LockViews {
  let v = viewCache.get(buffer);
  if (v === undefined) {
    v = {
      i32: new Int32Array(buffer, 0, buffer.byteLength >> 2),
      f64: new Float64Array(buffer, 0, buffer.byteLength >> 3),
    };
    viewCache.set(buffer, v);
  }
  return v;
}

export function ownerOf(word: number): number {
  return word >>> OWNER_SHIFT;
}

/**
 * Robust-mutex hooks (pthread's EOWNERDEAD): how a waiter learns that the
 * owner of the lock died, and how the data that owner was changing is put
 * back before the waiter takes over. Supplied by the store.
 */
export interface Robust {
  isDead(owner: number): boolean;
  /** Roll back whatever the dead owner was doing (idempotent, once per death). */
  recover(owner: number): void;
  /** Count a lock taken over from a dead owner. */
  recovered(): void;
}

/** How to give up: an absolute deadline on performance.now() and/or a signal; and the robust hooks. */
export interface GiveUp {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly robust?: Robust | undefined;
}

export const NEVER: GiveUp = { deadline: Infinity, timeoutMs: Infinity, signal: undefined };

/**
 * One attempt at the lock, used by both the blocking and the async paths.
 * `step()` returns 0 once this thread owns the lock, -1 to look again at once,
 * or else the exact (non-zero) word value to sleep on.
 */
class Acquirer {
  readonly start = performance.now();
  sleeps = 0;
  heir = false;
  /** Set when a sleep ran to its timeout: time to ask whether the owner is still alive. */
  polled = false;

  constructor(
    private readonly i32: Int32Array,
    private readonly w: number,
    private readonly robust: Robust | undefined,
  ) {}

  step(): number {
    const { i32, w } = this;
    const v = Atomics.load(i32, w);
    if (v === 0) {
      // Keep SLEEPING when others are counted asleep: their wake-up must not
      // depend on a barger's unlock, which would take the fast path.
      if (Atomics.compareExchange(i32, w, 0, slowWord(i32, w)) !== 0) return -1;
      // Took it without a handoff: give up the heir registration so another
      // starving waiter can register. Nobody can have taken it from us: an
      // unlocker only takes HEIR while it holds the lock, and then writes our
      // id into the word instead of 0.
      if (this.heir) Atomics.compareExchange(i32, w + 1, SELF, 0);
      return 0;
    }
    if (ownerOf(v) === SELF) {
      // Only an unlocker's direct handoff writes our id into the word, and it
      // hands only to the registered heir (it cleared HEIR with an exchange first).
      return 0;
    }
    if (this.polled && this.robust !== undefined) {
      this.polled = false;
      if (this.robust.isDead(ownerOf(v))) return this.takeOver(v);
    }
    if (!this.heir && performance.now() - this.start >= STARVE_MS) {
      // Become the heir: at most one thread at a time. The compareExchange
      // makes the registration atomic; losing it just means someone else is
      // starving first and we wait our turn.
      this.heir = Atomics.compareExchange(i32, w + 1, 0, SELF) === 0;
    }
    if (!this.heir && (v & SLEEPING) === 0) {
      // About to sleep on a held word: flag it so its unlock leaves the fast
      // path. The CAS only adds the bit to the value we saw; if the word
      // changed meanwhile we look again. Atomics.wait then sleeps only while
      // the word still holds exactly this flagged value.
      return Atomics.compareExchange(i32, w, v, v | SLEEPING) === v ? v | SLEEPING : -1;
    }
    if (this.heir && (v & STARVING) === 0) {
      // Flag the holder's word so its unlock leaves the fast path and hands
      // over. The CAS only adds a bit to the value we saw; if the word changed
      // meanwhile (released, taken by another) we look again.
      return Atomics.compareExchange(i32, w, v, v | STARVING) === v ? v | STARVING : -1;
    }
    return v;
  }

  /**
   * The owner died holding the lock. First the store rolls back what it was
   * doing (once per death, whoever gets here first; the others wait for that
   * inside recover()), then we take the word over with a CAS from the exact
   * dead-owned value we saw: if several waiters race here, one wins and the
   * rest see a live owner (the winner) and wait as usual. A dead heir's
   * registration is dropped so a live waiter can become heir.
   */
  private takeOver(v: number): number {
    const { i32, w, robust } = this;
    const dead = ownerOf(v);
    robust?.recover(dead);
    Atomics.compareExchange(i32, w + 1, dead, 0);
    if (Atomics.compareExchange(i32, w, v, slowWord(i32, w)) !== v) return -1;
    if (this.heir) Atomics.compareExchange(i32, w + 1, SELF, 0);
    robust?.recovered();
    return 0;
  }

  /**
   * Sleep on `value` (blocking). The sleeper count goes up BEFORE Atomics.wait
   * re-reads the word: see release() for why that ordering closes the
   * lost-wakeup window.
   *
   * The heir sleeps elsewhere: on the HEIR word, expecting its own id. The
   * unlocker that hands over first takes that registration with an exchange
   * and then notifies exactly that address, so exactly the heir wakes (no
   * thundering herd); and if the exchange came first, the heir's wait sees
   * HEIR changed and returns at once.
   */
  sleep(value: number, timeoutMs: number): void {
    const { i32, w } = this;
    if (this.heir) {
      const r = Atomics.wait(i32, w + 1, SELF, timeoutMs);
      if (r === 'ok') this.sleeps++;
      this.polled = r === 'timed-out';
      return;
    }
    Atomics.add(i32, w + 2, SLEEPER);
    this.awake(Atomics.wait(i32, w, value, timeoutMs));
  }

  /**
   * Leave the sleeper count. A thread woken by a notify ('ok') also clears
   * WOKEN, so the next unlock may wake another.
   */
  awake(result: unknown): void {
    Atomics.sub(this.i32, this.w + 2, SLEEPER);
    if (result === 'ok') {
      Atomics.and(this.i32, this.w + 2, ~WOKEN);
      this.sleeps++;
    } else if (result === 'timed-out') {
      // Self-healing: a thread killed between being notified and clearing
      // WOKEN would leave it set, and no unlock would notify again. A sleeper
      // that ran to its timeout clears it; if it was legitimately set, the
      // cost is one extra notify.
      Atomics.and(this.i32, this.w + 2, ~WOKEN);
      this.polled = true;
    }
  }

  /**
   * Give up waiting. If we are the heir, withdraw; if an unlocker already took
   * our heir registration (the exchange in releaseSlow), the lock is being
   * handed to us and we must take it rather than leave it owned by nobody.
   */
  withdraw(): boolean {
    const { i32, w } = this;
    if (!this.heir) return false;
    if (Atomics.compareExchange(i32, w + 1, SELF, 0) === SELF) return false;
    // The unlocker exchanged HEIR just before storing our id in the word; wait for that store.
    for (let v = Atomics.load(i32, w); ownerOf(v) !== SELF; v = Atomics.load(i32, w)) Atomics.wait(i32, w, v, 1);
    return true;
  }
}

/** Record an acquisition that did not take the fast path. Runs while holding the lock. */
function recordContended(f64: Float64Array, s: number, start: number, sleeps: number): void {
  const waited = performance.now() - start;
  f64[s] = (f64[s] ?? 0) + 1;
  f64[s + 1] = (f64[s + 1] ?? 0) + 1;
  f64[s + 2] = (f64[s + 2] ?? 0) + sleeps;
  f64[s + 3] = (f64[s + 3] ?? 0) + waited;
  if (waited > (f64[s + 4] ?? 0)) f64[s + 4] = waited;
}

/** Record an acquisition won by spinning. Runs while holding the lock. */
function recordSpun(f64: Float64Array, s: number): void {
  f64[s] = (f64[s] ?? 0) + 1;
  f64[s + 1] = (f64[s + 1] ?? 0) + 1;
}

/** Index of ACQUISITIONS in the Float64 view for a lock at byte `base`. */
export function statsIndex(base: number): number {
  return (base + LOCK_STAT_ACQUISITIONS) >> 3;
}

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
        const r = Atomics.waitAsync(i32, w + 1, SELF, timeout);
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
      // newcomer can barge in between. While we own the word, only the heir
      // ever changes it (adding STARVING), so a plain store is safe. The heir
      // sleeps on the HEIR word (see Acquirer.sleep), so one notify there
      // wakes exactly it. At most once per starvation episode, never on the
      // fast path.
      const heir = Atomics.exchange(i32, w + 1, 0);
      if (heir !== 0) {
        // Keep SLEEPING for the others still asleep, so the heir's unlock wakes one.
        Atomics.store(i32, w, (heir << OWNER_SHIFT) | (Atomics.load(i32, w + 2) >= SLEEPER ? SLEEPING : 0));
        Atomics.notify(i32, w + 1, 1);
        return;
      }
    }
    // SLEEPING (or STARVING whose heir withdrew): release, then wake one. A
    // CAS, not a store, so a bit added since our load is not lost.
    if (Atomics.compareExchange(i32, w, v, 0) !== v) continue;
    if (Atomics.load(i32, w + 2) !== 0) wakeOne(i32, w);
    return;
  }
}

export interface LockStats {
  /** Times the lock was taken. */
  acquisitions: number;
  /** Acquisitions whose first compareExchange failed (someone held the lock). */
  contended: number;
  /** Atomics.wait / waitAsync sleeps, summed over all acquisitions. */
  waits: number;
  /** Time spent acquiring, summed over contended acquisitions, in milliseconds. */
  totalWaitMs: number;
  /** Longest single contended acquisition, in milliseconds. */
  maxWaitMs: number;
}

export function emptyStats(): LockStats {
  return { acquisitions: 0, contended: 0, waits: 0, totalWaitMs: 0, maxWaitMs: 0 };
}

/**
 * Add the statistics of the lock at `base` into `into`. The counters are
 * written by lock holders with plain stores, so a read while others are
 * locking sees recent values, not a snapshot; totals are exact once quiet.
 */
export function addStats(v: LockViews, base: number, into: LockStats): LockStats {
  return addStatsAt(v.f64, statsIndex(base), into);
}

/** Add the five statistics words at Float64Array index `s` into `into`. */
export function addStatsAt(f: Float64Array, s: number, into: LockStats): LockStats {
  into.acquisitions += f[s] ?? 0;
  into.contended += f[s + 1] ?? 0;
  into.waits += f[s + 2] ?? 0;
  into.totalWaitMs += f[s + 3] ?? 0;
  into.maxWaitMs = Math.max(into.maxWaitMs, f[s + 4] ?? 0);
  return into;
}

/** Turn `{ timeoutMs, signal }` into a GiveUp. Arguments are validated by the caller. */
export function giveUp(timeoutMs: number | undefined, signal: AbortSignal | undefined, robust?: Robust): GiveUp {
  if (timeoutMs === undefined && signal === undefined && robust === undefined) return NEVER;
  const t = timeoutMs ?? Infinity;
  return { deadline: performance.now() + t, timeoutMs: t, signal, robust };
}
