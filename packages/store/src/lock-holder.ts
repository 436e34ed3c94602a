/**
 * Test support for lock states (exported from `@atomic-jobs/store/testing`):
 * hold the lock that guards one job from this thread, and say which bytes of
 * a store's buffer are lock statistics (the only bytes a refused call may
 * change, since even a refused call counts its lock acquisition).
 */
import { JobNotFoundError } from './errors.js';
import { attachMem } from './handle.js';
import {
  GLOBAL_LOCK, LOCKING_GLOBAL, QUEUE_LOCK, R_JOB_LOCK_STATS, R_SLEEPING_ON, R_STATE, REG_ALIVE, REG_ENTRIES, S_LOCK, STRUCT_LOCK,
} from './layout.js';
import { acquire, release } from './lock-core.js';
import { LOCK_SLEEPERS, LOCK_STAT_ACQUISITIONS, LOCK_BYTES, NEVER, SLEEPER } from './lock-word.js';
import { entryBase, register } from './registry.js';
import { slotBase } from './memory.js';
import { NONE, findLocked, findOptimistic } from './structures.js';
import type { StoreHandle } from './types.js';
import { checkIdHash } from './validate.js';

/** Bytes of the five statistics words of a lock, or of a registry entry's job-lock statistics. */
const STATS_BYTES = LOCK_BYTES - LOCK_STAT_ACQUISITIONS;

/** The stores (by buffer) in whose registry this thread has an entry of its own, taken by holdJobLock. */
const registered = new WeakSet<SharedArrayBuffer>();

/**
 * Take the lock that guards job `id` (its own lock, or the global lock),
 * blocking as a store call would, and hold it until the returned function
 * is called. A test can then act from another thread while it is held. (A
 * Mutex cannot be laid over a job lock: the slot holds only the lock's
 * first words, its statistics being counted per thread.)
 */
export function holdJobLock(handle: StoreHandle, id: string): () => void {
  const m = attachMem(handle);
  const hash = checkIdHash(id, m.g.maxIdBytes);
  // A thread that holds a store lock must have a live registry entry, or a
  // waiter would take the lock for a dead thread's (isDead): one per thread
  // and store, which markThreadDead marks dead with the thread's others.
  if (!registered.has(m.buffer)) {
    register(m);
    registered.add(m.buffer);
  }
  // Acquisitions are counted in private words, so the store's own figures
  // stay those of its calls.
  const counted = { i32: m.i32, f64: new Float64Array(STATS_BYTES / 8) };
  // The lookup under the lock that guards the index (no lock-free walk, so
  // "not found" is right on any hardware).
  const structure = m.g.locking === LOCKING_GLOBAL ? GLOBAL_LOCK : STRUCT_LOCK;
  acquire(counted, structure, NEVER, 0);
  const slot = findLocked(m, id, hash);
  if (slot === NONE) {
    release(m, structure);
    throw new JobNotFoundError(id);
  }
  // In global mode the lock just taken is the one that guards the job: keep it.
  if (structure === GLOBAL_LOCK) return () => release(m, GLOBAL_LOCK);
  release(m, structure);
  const lock = slotBase(m, slot) + S_LOCK;
  acquire(counted, lock, NEVER, 0);
  return () => release(m, lock);
}

/** How many threads are asleep (in Atomics.wait) on one of the store's locks right now: a test can wait for a waiter to be asleep. */
export function sleepingThreads(handle: StoreHandle): number {
  const m = attachMem(handle);
  let n = 0;
  for (let k = 0; k < REG_ENTRIES; k++) {
    const e = entryBase(m, k);
    if (Atomics.load(m.i32, (e + R_STATE) >> 2) === REG_ALIVE && Atomics.load(m.i32, (e + R_SLEEPING_ON) >> 2) > 0) n++;
  }
  return n;
}

/**
 * Byte offset of the lock guarding job `id` (its own, or the global lock):
 * its word is the Int32 at that offset, so a test can look at it, or find
 * out with Atomics.notify whether a thread is asleep on it. The lookup is
 * lock-free (a seqlock read of the index, sound on x86-64).
 */
export function jobLockOffset(handle: StoreHandle, id: string): number {
  const m = attachMem(handle);
  if (m.g.locking === LOCKING_GLOBAL) return GLOBAL_LOCK;
  const slot = findOptimistic(m, id, checkIdHash(id, m.g.maxIdBytes));
  if (slot === NONE) throw new JobNotFoundError(id);
  return slotBase(m, slot) + S_LOCK;
}

/**
 * How many threads the lock guarding job `id` counts as asleep on it (its
 * SLEEPERS word, which decides whether an unlock looks for someone to wake):
 * a test can check that a thread killed asleep is no longer counted.
 */
export function countedSleepers(handle: StoreHandle, id: string): number {
  const base = jobLockOffset(handle, id);
  return Math.floor(Atomics.load(new Int32Array(handle.buffer), (base + LOCK_SLEEPERS) >> 2) / SLEEPER);
}

/** Byte ranges [start, end) of a store's buffer that hold lock statistics: the store-wide locks' and each registry entry's job-lock figures. */
export function lockStatisticsRanges(handle: StoreHandle): [number, number][] {
  const m = attachMem(handle);
  const ranges: [number, number][] = [GLOBAL_LOCK, STRUCT_LOCK, QUEUE_LOCK].map((base) => [base + LOCK_STAT_ACQUISITIONS, base + LOCK_BYTES]);
  for (let k = 0; k < REG_ENTRIES; k++) {
    const at = entryBase(m, k) + R_JOB_LOCK_STATS;
    ranges.push([at, at + STATS_BYTES]);
  }
  return ranges;
}
