/**
 * One lock's memory and the types shared by every part of the lock: the
 * word's bits, the owner id, the views, and how a waiter gives up. The
 * protocol over these words is in lock-core.ts (and the waiter's side of it
 * in lock-acquirer.ts); the statistics words are in lock-stats.ts.
 *
 * Memory of one lock (`LOCK_BYTES` = 56, base 8-byte aligned):
 *
 *   +0  WORD      i32  (owner << 3) | OWNER_DIED | STARVING | SLEEPING, 0 = free
 *   +4  HEIR      i32  owner id of the one starving waiter the next unlock hands to, 0 = none,
 *                       -(owner id) while that owner's unlock hands the lock over
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
 */
import { threadId } from 'node:worker_threads';

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
/**
 * The owner was marked dead holding the lock (markThreadDead sets it before
 * waking the lock's sleepers, so that one about to sleep on the word as it
 * was finds it changed: registry.ts, flagOwnerDied). Gone when a waiter
 * takes the lock over, which replaces the whole word.
 */
export const OWNER_DIED = 4;
export const OWNER_SHIFT = 3;
/** SLEEPERS word: bit 0 is WOKEN (a notified thread has not yet looked at the word); the count is above it. */
export const WOKEN = 1;
export const SLEEPER = 2;
/**
 * Added to the lock word index a sleeper publishes (Robust.sleepingOn) while
 * it is counted in the lock's SLEEPERS word. Word indices stay below 2^29
 * (buffers below 2 GiB), so the bit is free.
 */
export const SLEEP_COUNTED = 1 << 30;
/** Owner ids must fit in the 28 bits above the flags. */
export const MAX_OWNER = (1 << 28) - 1;

/** This thread's owner id: `threadId + 1`, so that 0 can mean "free". */
export const SELF = threadId + 1;
/** The word this thread writes when it takes a free lock. */
export const SELF_WORD = SELF << OWNER_SHIFT;

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
  /**
   * This thread is about to sleep on the lock whose word is i32 index `w`
   * (0: awake again), with SLEEP_COUNTED added while it is counted in the
   * lock's SLEEPERS word. Published where whoever marks an owner dead looks,
   * so that it can wake the lock's sleepers at once rather than leave them
   * to their next poll, and take a sleeper that died out of the count.
   */
  sleepingOn(w: number): void;
  /** How many deaths were marked so far, store-wide: a change means "ask isDead again". */
  deaths(): number;
}

/** How to give up: an absolute deadline on performance.now() and/or a signal; and the robust hooks. */
export interface GiveUp {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly robust?: Robust | undefined;
}

export const NEVER: GiveUp = { deadline: Infinity, timeoutMs: Infinity, signal: undefined };

/** Turn `{ timeoutMs, signal }` into a GiveUp. Arguments are validated by the caller. */
export function giveUp(timeoutMs: number | undefined, signal: AbortSignal | undefined, robust?: Robust): GiveUp {
  if (timeoutMs === undefined && signal === undefined && robust === undefined) return NEVER;
  const t = timeoutMs ?? Infinity;
  return { deadline: performance.now() + t, timeoutMs: t, signal, robust };
}
