/**
 * The five statistics words of a lock (LOCK_STAT_*), or of a thread's count
 * of its job-lock acquisitions (see acquire's `s`): written by the holder
 * right after it took the lock, read by stats().
 */
import { LOCK_STAT_ACQUISITIONS, type LockViews } from './lock-word.js';

/** Record an acquisition that did not take the fast path. Runs while holding the lock. */
export function recordContended(f64: Float64Array, s: number, start: number, sleeps: number): void {
  const waited = performance.now() - start;
  f64[s] = (f64[s] ?? 0) + 1;
  f64[s + 1] = (f64[s + 1] ?? 0) + 1;
  f64[s + 2] = (f64[s + 2] ?? 0) + sleeps;
  f64[s + 3] = (f64[s + 3] ?? 0) + waited;
  if (waited > (f64[s + 4] ?? 0)) f64[s + 4] = waited;
}

/** Record an acquisition won by spinning. Runs while holding the lock. */
export function recordSpun(f64: Float64Array, s: number): void {
  f64[s] = (f64[s] ?? 0) + 1;
  f64[s + 1] = (f64[s + 1] ?? 0) + 1;
}

/** Index of ACQUISITIONS in the Float64 view for a lock at byte `base`. */
export function statsIndex(base: number): number {
  return (base + LOCK_STAT_ACQUISITIONS) >> 3;
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
