/** The store's figures: stats() (every lock's statistics, summed and by lock), counts(), recovery(). */
import { countOf, entryBase } from './registry.js';
import {
  GLOBAL_LOCK, H_JOBS_REPAIRED, H_LIVE, H_LOCKS_RECOVERED, H_STALLED_RECLAIMED, QUEUE_LOCK, R_JOB_LOCK_STATS, REG_ENTRIES, STRUCT_LOCK,
} from './layout.js';
import { addStats, addStatsAt, emptyStats, type LockStats } from './lock-stats.js';
import type { Mem } from './memory.js';
import type { Locking } from './options.js';
import { STATUS_CODES } from './transitions.js';
import type { JobCounts, RecoveryStats, StoreStats } from './types.js';

export function storeStats(m: Mem, locking: Locking): StoreStats {
  // Job locks are counted by the threads that take them, each in its own
  // registry entry (entries keep their figures when they are reused).
  const jobs = emptyStats();
  for (let k = 0; k < REG_ENTRIES; k++) addStatsAt(m.f64, (entryBase(m, k) + R_JOB_LOCK_STATS) >> 3, jobs);
  const locks = { global: addStats(m, GLOBAL_LOCK, emptyStats()), structure: addStats(m, STRUCT_LOCK, emptyStats()), queue: addStats(m, QUEUE_LOCK, emptyStats()), jobs };
  const total: LockStats = emptyStats();
  for (const s of Object.values(locks)) {
    total.acquisitions += s.acquisitions;
    total.contended += s.contended;
    total.waits += s.waits;
    total.totalWaitMs += s.totalWaitMs;
    total.maxWaitMs = Math.max(total.maxWaitMs, s.maxWaitMs);
  }
  return { ...total, locking, locks };
}

/** Jobs per status: sums of the per-thread counters in the registry (registry.ts). */
export function storeCounts(m: Mem): JobCounts {
  return {
    pending: countOf(m, STATUS_CODES.pending),
    processing: countOf(m, STATUS_CODES.processing),
    completed: countOf(m, STATUS_CODES.completed),
    failed: countOf(m, STATUS_CODES.failed),
    total: Atomics.load(m.i32, H_LIVE >> 2),
  };
}

export function storeRecovery(m: Mem): RecoveryStats {
  const i32 = m.i32;
  return {
    locksRecovered: Atomics.load(i32, H_LOCKS_RECOVERED >> 2),
    jobsRepaired: Atomics.load(i32, H_JOBS_REPAIRED >> 2),
    stalledReclaimed: Atomics.load(i32, H_STALLED_RECLAIMED >> 2),
  };
}
