/**
 * The futex protocol behind {@link Mutex} and the store's job and structure
 * locks, written as plain functions over one Int32Array / Float64Array pair so
 * the store can lock any of its million slot locks without allocating.
 *
 * Memory of one lock (`LOCK_BYTES` = 48, base 8-byte aligned):
 *
 *   +0  WORD  i32  (owner << 3) | OWNER_DIED | STARVING | CONTENDED, 0 = free
 *   +4  HEIR  i32  owner id of the one starving waiter the next unlock hands to, 0 = none
 *   +8  ACQUISITIONS      f64 \
 *   +16 CONTENDED_ACQ     f64  |  statistics, written only by the thread that
 *   +24 WAITS             f64  |  holds the lock, right after it took it: the
 *   +32 WAIT_TOTAL_MS     f64  |  lock itself orders them, so they are plain
 *   +40 WAIT_MAX_MS       f64 /   stores, not atomics ("cheap enough to leave on")
 *
 * The owner id is `worker_threads.threadId + 1` (the main thread is 0), so a
 * free word is exactly 0 and the word tells who holds it: unlock by anyone
 * else throws, and a later issue recovers locks whose owner died.
 *
 * The design is Drepper's three-state futex ("Futexes Are Tricky", mutex3)
 * with the state bits beside the owner id, plus Go's starvation mode made
 * strict by a direct handoff to one designated heir.
 */
import { threadId } from 'node:worker_threads';
import { AbortedError, DeadlockError, LockTimeoutError, NotOwnerError } from './errors.js';

export const LOCK_BYTES = 48;
export const LOCK_WORD = 0;
export const LOCK_HEIR = 4;
export const LOCK_STAT_ACQUISITIONS = 8;
export const LOCK_STAT_CONTENDED = 16;
export const LOCK_STAT_WAITS = 24;
export const LOCK_STAT_WAIT_TOTAL_MS = 32;
export const LOCK_STAT_WAIT_MAX_MS = 40;

/** A thread may be asleep in Atomics.wait on the word: the unlocker must notify. */
export const CONTENDED = 1;
/** A waiter has waited past STARVE_MS and is registered in HEIR: the next unlock hands the lock to it. */
export const STARVING = 2;
/** Reserved: the previous owner died holding the lock (robust-mutex recovery). */
export const OWNER_DIED = 4;
export const OWNER_SHIFT = 3;
/** Owner ids must fit in the 28 bits above the flags. */
export const MAX_OWNER = (1 << 28) - 1;

/** This thread's owner id: `threadId + 1`, so that 0 can mean "free". */
export const SELF = threadId + 1;
/** The word this thread writes when it takes a free lock uncontended. */
export const SELF_WORD = SELF << OWNER_SHIFT;

/** Loads spent spinning before going to sleep. Loads keep the cache line shared; CAS only when it looks free. */
export const SPIN_LIMIT = 64;
/** A waiter that has waited this long stops letting newcomers barge past it (Go's starvationThresholdNs). */
export const STARVE_MS = 1;
/** Upper bound of one Atomics.wait, so timeouts, aborts and (later) dead owners are noticed. */
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

/** How to give up: an absolute deadline on performance.now() and/or a signal. */
export interface GiveUp {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export const NEVER: GiveUp = { deadline: Infinity, timeoutMs: Infinity, signal: undefined };

/**
 * One attempt at the lock, used by both the blocking and the async paths.
 * Returns 0 once this thread owns the lock, otherwise the exact word value to
 * wait on (always with CONTENDED set, see below).
 */
class Acquirer {
  readonly start = performance.now();
  sleeps = 0;
  heir = false;

  constructor(
    private readonly i32: Int32Array,
    private readonly w: number,
  ) {}

  /** 0 when the lock is ours; else the value to sleep on. */
  step(): number {
    const { i32, w } = this;
    const v = Atomics.load(i32, w);
    if (v === 0) {
      // Free. Take it with CONTENDED set (Drepper's mutex3 rule): we cannot
      // know whether other sleepers remain, so our unlock must notify. A
      // spurious notify costs a syscall; a missing one would hang a waiter.
      if (Atomics.compareExchange(i32, w, 0, SELF_WORD | CONTENDED) !== 0) return -1;
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
    if (!this.heir && performance.now() - this.start >= STARVE_MS) {
      // Become the heir: at most one thread at a time. The compareExchange
      // makes the registration atomic; losing it just means someone else is
      // starving first and we wait our turn.
      this.heir = Atomics.compareExchange(i32, w + 1, 0, SELF) === 0;
    }
    // Announce that we are about to sleep (and, as heir, that the next unlock
    // must hand over). The CAS only adds bits to the value we saw: if the word
    // changed in between (released, taken, flagged) we retry from scratch.
    // Invariant: every value anyone sleeps on has CONTENDED set, so whoever
    // owns the lock while that value is in the word will notify on unlock.
    // That closes Drepper's lost-wakeup window between our CAS and our wait:
    // Atomics.wait re-checks the word atomically against `target` and returns
    // 'not-equal' at once if the unlock already happened.
    const target = v | CONTENDED | (this.heir ? STARVING : 0);
    if (target !== v && Atomics.compareExchange(i32, w, v, target) !== v) return -1;
    return target;
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
    // The unlocker exchanged HEIR before storing our id in the word; wait for that store.
    while (ownerOf(Atomics.load(i32, w)) !== SELF) Atomics.wait(i32, w, Atomics.load(i32, w), 1);
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

/** Index of ACQUISITIONS in the Float64 view for a lock at byte `base`. */
export function statsIndex(base: number): number {
  return (base + LOCK_STAT_ACQUISITIONS) >> 3;
}

/** Fast path: one compareExchange; on success count the acquisition (a plain store, we hold the lock). */
export function tryAcquire(v: LockViews, base: number): boolean {
  if (Atomics.compareExchange(v.i32, base >> 2, 0, SELF_WORD) !== 0) return false;
  const s = statsIndex(base);
  v.f64[s] = (v.f64[s] ?? 0) + 1;
  return true;
}

function spin(i32: Int32Array, w: number): boolean {
  for (let i = 0; i < SPIN_LIMIT; i++) {
    const v = Atomics.load(i32, w);
    if (v === 0) {
      if (Atomics.compareExchange(i32, w, 0, SELF_WORD) === 0) return true;
    } else if ((v & STARVING) !== 0) {
      // A starving heir is queued: do not barge, go to sleep behind it.
      return false;
    }
  }
  return false;
}

function isAborted(g: GiveUp): boolean {
  return g.signal?.aborted === true;
}

function giveUpError(g: GiveUp): Error {
  return g.signal?.aborted === true ? new AbortedError(g.signal.reason) : new LockTimeoutError(g.timeoutMs);
}

/** Blocking acquire (Atomics.wait). Throws LockTimeoutError / AbortedError / DeadlockError. */
export function acquire(v: LockViews, base: number, g: GiveUp): void {
  const { i32, f64 } = v;
  const w = base >> 2;
  if (Atomics.compareExchange(i32, w, 0, SELF_WORD) === 0) {
    const s = statsIndex(base);
    f64[s] = (f64[s] ?? 0) + 1;
    return;
  }
  acquireSlow(v, base, g);
}

export function acquireSlow(v: LockViews, base: number, g: GiveUp): void {
  const { i32, f64 } = v;
  const w = base >> 2;
  if (ownerOf(Atomics.load(i32, w)) === SELF) throw new DeadlockError();
  if (isAborted(g)) throw new AbortedError(g.signal?.reason);
  const a = new Acquirer(i32, w);
  if (spin(i32, w)) return recordContended(f64, statsIndex(base), a.start, 0);
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
    if (Atomics.wait(i32, w, target, Math.min(g.deadline - now, POLL_MS)) !== 'not-equal') a.sleeps++;
  }
  recordContended(f64, statsIndex(base), a.start, a.sleeps);
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
  if (Atomics.compareExchange(i32, w, 0, SELF_WORD) === 0) {
    const s = statsIndex(base);
    f64[s] = (f64[s] ?? 0) + 1;
    return;
  }
  if (ownerOf(Atomics.load(i32, w)) === SELF) throw new DeadlockError();
  if (isAborted(g)) throw new AbortedError(g.signal?.reason);
  const a = new Acquirer(i32, w);
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
      const r = Atomics.waitAsync(i32, w, target, Math.min(g.deadline - now, POLL_MS));
      if (r.async) {
        a.sleeps++;
        await raceAbort(r.value, g.signal);
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
 * Unlock. Fast path: one compareExchange from "ours, no flags" to 0 — no
 * notify, because no flag means nobody announced a sleep (sleepers always set
 * CONTENDED first, see Acquirer.step).
 */
export function release(v: LockViews, base: number): void {
  const w = base >> 2;
  if (Atomics.compareExchange(v.i32, w, SELF_WORD, 0) !== SELF_WORD) releaseSlow(v.i32, w);
}

function releaseSlow(i32: Int32Array, w: number): void {
  const v = Atomics.load(i32, w);
  const owner = ownerOf(v);
  if (owner !== SELF) throw new NotOwnerError(owner - 1);
  if ((v & STARVING) !== 0) {
    // Starvation mode: hand the lock straight to the heir. The exchange takes
    // the registration (so the heir cannot withdraw now, see withdraw()); the
    // word goes from "ours" to "the heir's" without ever being 0, so no
    // newcomer can barge in between. Other waiters can only OR flags into the
    // word while we own it, so a plain store is safe. We cannot notify one
    // specific thread, so we wake all sleepers; those that are not the heir
    // see the lock taken and sleep again. This happens at most once per
    // starvation episode, never on the fast path.
    const heir = Atomics.exchange(i32, w + 1, 0);
    if (heir !== 0) {
      Atomics.store(i32, w, (heir << OWNER_SHIFT) | CONTENDED);
      Atomics.notify(i32, w);
      return;
    }
  }
  // Release with an exchange, not a store: a waiter may have added CONTENDED
  // since our load, and we must see it to know to notify.
  const prev = Atomics.exchange(i32, w, 0);
  if ((prev & CONTENDED) !== 0) Atomics.notify(i32, w, 1);
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
  const s = statsIndex(base);
  const f = v.f64;
  into.acquisitions += f[s] ?? 0;
  into.contended += f[s + 1] ?? 0;
  into.waits += f[s + 2] ?? 0;
  into.totalWaitMs += f[s + 3] ?? 0;
  into.maxWaitMs = Math.max(into.maxWaitMs, f[s + 4] ?? 0);
  return into;
}

/** Turn `{ timeoutMs, signal }` into a GiveUp. Arguments are validated by the caller. */
export function giveUp(timeoutMs: number | undefined, signal: AbortSignal | undefined): GiveUp {
  if (timeoutMs === undefined && signal === undefined) return NEVER;
  const t = timeoutMs ?? Infinity;
  return { deadline: performance.now() + t, timeoutMs: t, signal };
}
