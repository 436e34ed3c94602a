import type { JobStatus } from './transitions.js';
import type { LockStats } from './lock-stats.js';
import type { Locking } from './options.js';

/** A copy of one job at one instant. Plain data: never a view into shared memory. */
export interface JobSnapshot {
  readonly id: string;
  readonly status: JobStatus;
  /** Times the job entered processing. */
  readonly attempts: number;
  readonly maxRetries: number;
  readonly lastError: string | null;
  /** True when lastError was cut at maxErrorBytes. */
  readonly lastErrorTruncated: boolean;
  /** 1 at creation, +1 on every successful change. */
  readonly version: number;
  /** ms since epoch. */
  readonly createdAt: number;
  /** ms since epoch. */
  readonly updatedAt: number;
}

export interface JobCounts {
  pending: number;
  processing: number;
  completed: number;
  failed: number;
  total: number;
}

export interface StoreStats extends LockStats {
  readonly locking: Locking;
  /** The same figures for each lock or group of locks. */
  readonly locks: {
    readonly global: LockStats;
    readonly structure: LockStats;
    readonly queue: LockStats;
    /** All job locks together (per-job mode). */
    readonly jobs: LockStats;
  };
}

/** What `store.handle` holds: structured-cloneable, so it can travel in workerData or postMessage. */
export interface StoreHandle {
  readonly kind: 'atomic-jobs/store';
  readonly layoutVersion: number;
  readonly buffer: SharedArrayBuffer;
}

/** What dead-thread recovery has done, store-wide. */
export interface RecoveryStats {
  /** Locks taken over from a thread that died holding them. */
  readonly locksRecovered: number;
  /** Interrupted changes rolled back: the job put back entirely as it was before. */
  readonly jobsRepaired: number;
  /** Processing jobs whose lease expired, returned to pending by reclaimStalled. */
  readonly stalledReclaimed: number;
}
