/**
 * The benchmark's wire protocol, in one place:
 *  - the control block a main thread shares with its warm contention workers
 *    (slots named once here, never bare indices);
 *  - the per-worker configure message (what each contender needs);
 *  - the IPC messages between the main process and the `--harmony-struct`
 *    child that measures V8's native Atomics.Mutex.
 */
import type { MessagePort } from 'node:worker_threads';
import type { StoreHandle } from '@atomic-jobs/store';
import type { BenchConfig } from './config.js';
import type { ContentionResult, PairedResult, SingleResult } from './results.js';

/** Most workers a pool holds (the largest thread count measured). */
export const MAX_THREADS = 8;

// ---- control block: Int32 words at the start of the control buffer ----

/** Bumped by the main thread to start a command; workers sleep on it between commands. */
export const CTL_GEN = 0;
/** The command of the current generation (one of the CMD_* values). */
export const CTL_CMD = 1;
/** How many workers take part (workers with index >= this skip the command). */
export const CTL_THREADS = 2;
/** CMD_RUN_COUNT: operations per worker. */
export const CTL_ARG = 3;
/** Workers that finished the current command; the main thread sleeps on it. */
export const CTL_DONE = 4;
/** CMD_RUN_TIMED: the shared stop flag, set once by the main thread. */
export const CTL_STOP = 5;
/** Set to 1 by a worker whose command threw (the error follows on its port). */
export const CTL_ERROR = 6;
/** A word nobody changes: the main thread sleeps on it for a fixed duration. */
export const CTL_SLEEP = 7;
/** Float64 region: operations per worker in the last timed round. */
export const CTL_COUNTS_BYTE = 64;
/** Float64 region: longest single measured latency per worker, in ns. */
export const CTL_MAX_NS_BYTE = CTL_COUNTS_BYTE + 8 * MAX_THREADS;
/** Float64 region: contended acquisitions counted by the worker itself (V8 mutex: failed tryLock). */
export const CTL_CONTENDED_BYTE = CTL_MAX_NS_BYTE + 8 * MAX_THREADS;
export const CTL_BYTES = CTL_CONTENDED_BYTE + 8 * MAX_THREADS;

export const CMD_CONFIGURE = 1;
export const CMD_RUN_COUNT = 2;
export const CMD_RUN_TIMED = 3;
export const CMD_EXIT = 4;

// ---- the data buffer of the counter contenders ----

/** Our Mutex lives at byte 0 of the data buffer (Mutex.BYTES = 56 bytes). */
export const DATA_LOCK_BYTE = 0;
/** The counter the critical section increments: Int32 index, on its own cache line. */
export const DATA_COUNTER = 64 >> 2;
export const DATA_BYTES = 128;

// ---- configure messages, one per worker ----

export type ContenderSetup =
  /** `counter++` with no lock at all: loses updates. */
  | { readonly kind: 'racy'; readonly data: SharedArrayBuffer }
  /** `Atomics.add(counter, 1)`: the hardware limit for one word. */
  | { readonly kind: 'atomics-add'; readonly data: SharedArrayBuffer }
  /** Our Mutex at DATA_LOCK_BYTE around `counter++`. */
  | { readonly kind: 'mutex'; readonly data: SharedArrayBuffer }
  /** V8's Atomics.Mutex around `counter++` (only in a --harmony-struct process). */
  | { readonly kind: 'v8-mutex'; readonly data: SharedArrayBuffer; readonly mutex: unknown }
  /**
   * JobStore calls. `distinct`: worker i toggles `jobId(i)`; `hot`: all
   * workers race on job `HOT_JOB`; `queue`: all workers claimNext from one
   * pending list and put each job back at its tail.
   */
  | { readonly kind: 'store'; readonly handle: StoreHandle; readonly jobs: StoreJobs }
  /** The comlink baseline: worker i toggles `jobId(i)` through its own port. */
  | { readonly kind: 'comlink'; readonly port: MessagePort };

export type ContenderKind = ContenderSetup['kind'];

/** Which jobs a store contender's workers work on (see ContenderSetup). */
export type StoreJobs = 'distinct' | 'hot' | 'queue';

/** Pending jobs in the queue contender's store: more than the most threads can hold at once. */
export const QUEUE_JOBS = 32;

export interface ConfigureMessage {
  readonly type: 'configure';
  readonly setup: ContenderSetup;
}

/** Worker -> main, once: its modules are loaded and it is about to sleep on CTL_GEN. */
export interface WorkerReadyMessage {
  readonly type: 'ready';
}

export interface WorkerErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

/** What a contention worker receives in workerData. */
export interface WorkerInit {
  readonly index: number;
  readonly control: SharedArrayBuffer;
  readonly histograms: SharedArrayBuffer;
  /** Configure messages arrive here; errors go back on it. */
  readonly port: MessagePort;
}

/** The job a store/comlink worker toggles when jobs are distinct. */
export function jobId(index: number): string {
  return `job-${index}`;
}
/** The one job every worker races on when the job is hot. */
export const HOT_JOB = 'hot';

// ---- IPC with the --harmony-struct child ----

/** Our Mutex measured a second time inside the child, alternating with V8's (the mutexVsV8 pair). */
export const PAIRED_MUTEX = 'mutex-beside-v8';
/** Name of the alternating-rounds comparison of per-job (A) and global (B) locking, distinct jobs, at `threads`. */
export function perJobVsGlobalName(threads: number): string {
  return `paired/perjob-vs-global/${threads}t`;
}

/** Name of the alternating-rounds comparison of PAIRED_MUTEX (A) and V8's mutex (B) at `threads`. */
export function mutexVsV8Name(threads: number): string {
  return `paired/mutex-vs-v8/${threads}t`;
}

export interface ChildRunMessage {
  readonly type: 'run';
  readonly config: BenchConfig;
  /** The --filter argument as given (the child rebuilds the matcher). */
  readonly filter: string | undefined;
}

export type FromChild =
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'result'; readonly single: SingleResult[]; readonly contention: ContentionResult[]; readonly paired: PairedResult[] }
  | { readonly type: 'error'; readonly message: string };
