/** What the main thread sends each stressed worker, and what it answers (piscina task and result). */
import type { ReadMode, StoreHandle } from '@atomic-jobs/store';

/** 'mixed': every operation; 'per-key': no claimNext / retryFailed / reclaimStalled, so the checker can split per job. */
export type Mix = 'mixed' | 'per-key';

/**
 * 'real': the store as shipped. 'check-then-act': claim is get() then
 * updateStatus(processing) with a pause between: deliberately broken, so the
 * harness can be seen to catch a race (a lost claim surfaces as an error the
 * model never gives a claim).
 */
export type Impl = 'real' | 'check-then-act';

export interface StressTask {
  readonly kind: 'stress-run';
  readonly handle: StoreHandle;
  /** Control block (see log.ts, C_*). */
  readonly control: SharedArrayBuffer;
  /** Operation log (see log.ts). */
  readonly log: SharedArrayBuffer;
  readonly thread: number;
  readonly threads: number;
  /** Entries per thread in the log: the most operations this thread may run. */
  readonly entriesPerThread: number;
  readonly seed: number;
  /** Hot jobs: ids j0 .. j(jobs-1). */
  readonly jobs: number;
  readonly mix: Mix;
  readonly impl: Impl;
  /** How this worker's store instance reads jobs (the `reads` option of attach; undefined: its default). */
  readonly reads: ReadMode | undefined;
  /**
   * Chance, at each of the store's fault points (inside its critical
   * sections, see @atomic-jobs/store/testing), of pausing this thread for
   * 0.1-1 ms: widens the windows in which other threads can see a change half
   * made. 0: no pauses.
   */
  readonly pauseChance: number;
  /**
   * Chance, at each fault point, of parking this thread right there (holding
   * the store's locks, mid-write) and raising its PARKED word, so that the
   * main thread kills it inside the critical section. 0: never.
   */
  readonly killInsideChance: number;
  /** process.hrtime.bigint() at the start of the history: instants are recorded in microseconds since it. */
  readonly clockBase: bigint;
}

export interface StressTaskResult {
  readonly kind: 'stress-done';
  readonly thread: number;
  /** Entries written (the last may be in flight only if the thread died, which a returned task did not). */
  readonly written: number;
  /** worker_threads threadId of the piscina worker that ran the task. */
  readonly threadId: number;
}

export function jobId(k: number): string {
  return `j${k}`;
}
