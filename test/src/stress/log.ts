/**
 * The operation log: where every stressed thread writes what it invokes and
 * what it gets back, in shared memory, so that the record survives the
 * thread (a worker terminated mid-operation leaves an entry "in flight",
 * which the checker treats as an outcome unknown, as Jepsen does).
 *
 * One SharedArrayBuffer per history: for each thread, ENTRIES_PER_THREAD
 * entries of INT_WORDS Int32 words (in an Int32 region) and TIME_WORDS
 * Float64 words (in a Float64 region). Words are named once here.
 *
 * Publication protocol, per entry (one writer: the owning thread):
 *   1. plain writes of the inputs and the invocation instant;
 *   2. Atomics.store(E_STATE, IN_FLIGHT)   -- seq_cst: a reader whose
 *      Atomics.load sees IN_FLIGHT also sees every write of step 1;
 *   3. the operation runs; plain writes of the result and response instant;
 *   4. Atomics.store(E_STATE, DONE)        -- publishes step 3 the same way.
 * The main thread reads an entry only after Atomics.load(E_STATE), and reads
 * a thread's entries in order until it meets an EMPTY one. A thread killed
 * between 2 and 4 leaves IN_FLIGHT: inputs known, outcome unknown.
 */

// ---- entry words (Int32) ----
export const E_STATE = 0;
export const E_KIND = 1;
export const E_JOB = 2;
/** create: maxRetries; updateStatus: status index in JOB_STATUSES. */
export const E_ARG = 3;
/** updateStatus lastError: ERR_ABSENT, ERR_NULL, or an index into ERROR_TEXTS. */
export const E_ERR_ARG = 4;
/** updateStatus fencing token, or -1 when not passed. */
export const E_ATTEMPT = 5;
export const E_RES = 6;
export const E_R_JOB = 7;
export const E_R_STATUS = 8;
export const E_R_ATTEMPTS = 9;
export const E_R_MAX = 10;
export const E_R_VERSION = 11;
export const E_R_ERR = 12;
/** RES_BOOL: 0/1; RES_NUM: the number; RES_ERROR: index into ERROR_CODES. */
export const E_R_NUM = 13;
export const INT_WORDS = 16;
// ---- entry words (Float64) ----
export const T_CALL = 0;
export const T_RET = 1;
export const TIME_WORDS = 2;

export const ENTRY_EMPTY = 0;
export const ENTRY_IN_FLIGHT = 1;
export const ENTRY_DONE = 2;

/**
 * What an entry records. A reclaimStalled sweep (the mix's 'reclaimStalled')
 * is logged as entries of kind 'reclaimed', one per job its onReclaimed
 * reports (that job, as reported: "it was reclaimed between the previous
 * entry's response and this one's"), then one whose result is a number:
 * the rest of the sweep, which reclaimed nothing more. An entry left in
 * flight is the step the sweep was in when its thread died: one job may or
 * may not have been reclaimed.
 */
export const OP_KINDS = ['create', 'get', 'claim', 'claimNext', 'updateStatus', 'remove', 'retryFailed', 'reclaimStalled', 'reclaimed', 'counts', 'list'] as const;
export type OpKind = (typeof OP_KINDS)[number];

export const RES_JOB = 1;
export const RES_NONE = 2;
export const RES_BOOL = 3;
export const RES_NUM = 4;
export const RES_ERROR = 5;
/** counts(): pending, processing, completed, failed in E_R_JOB .. E_R_MAX. */
export const RES_COUNTS = 6;
/** list(): E_R_NUM jobs, each LIST_WORDS words in the entry's list region (listIndex). */
export const RES_LIST = 7;

// ---- list region (Int32): per entry, room for `listJobs` jobs ----
export const L_JOB = 0;
export const L_STATUS = 1;
export const L_ATTEMPTS = 2;
export const L_MAX = 3;
export const L_VERSION = 4;
export const L_ERR = 5;
export const LIST_WORDS = 6;

export const ERR_ABSENT = -2;
export const ERR_NULL = -1;
/** A string the harness never wrote: the decoder turns it into an impossible value. */
export const ERR_UNRECOGNISED = -3;
/** Every lastError the harness passes; reads are mapped back through this table. */
export const ERROR_TEXTS: readonly string[] = ['timeout', 'boom', 'disk full', 'é — 🚀'];

/** Codes the store may throw; anything else is recorded as ERR_INTERNAL (and refused by the model). */
export const ERROR_CODES: readonly string[] = [
  'ERR_JOB_NOT_FOUND', 'ERR_INVALID_TRANSITION', 'ERR_DUPLICATE_JOB', 'ERR_STORE_FULL', 'ERR_REGISTRY_FULL', 'ERR_LOCK_TIMEOUT', 'ERR_ABORTED',
  'ERR_INVALID_ARGUMENT', 'ERR_STORE_FORMAT', 'ERR_NOT_OWNER', 'ERR_DEADLOCK', 'ERR_JOB_PROCESSING', 'ERR_STALE_CLAIM', 'ERR_INTERNAL',
];

// ---- control block (Int32 words of a small SharedArrayBuffer) ----
/** Threads add 1 on arrival at the start barrier. */
export const C_READY = 0;
/** The main thread stores 1 to release them all at once. */
export const C_GO = 1;
/** The main thread stores 1 to stop the loops early (duration reached). */
export const C_STOP = 2;
/** First of one word per thread: operations completed so far (progress). */
export const C_PROGRESS = 4;
/** Word of thread `t`'s worker_threads threadId (so the main thread can find the Worker to kill). */
export function cThreadId(threads: number, t: number): number {
  return C_PROGRESS + threads + t;
}
/** Word of thread `t`: 1 once it parked itself inside a critical section, asking to be killed there. */
export function cParked(threads: number, t: number): number {
  return C_PROGRESS + 2 * threads + t;
}
export function controlWords(threads: number): number {
  return C_PROGRESS + 3 * threads;
}

export interface LogViews {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Jobs a list() answer may hold, per entry (the store's capacity). */
  readonly list: Int32Array;
  readonly listJobs: number;
  readonly entriesPerThread: number;
}

export function logBytes(threads: number, entriesPerThread: number, listJobs: number): number {
  const n = threads * entriesPerThread;
  return n * TIME_WORDS * 8 + n * INT_WORDS * 4 + n * listJobs * LIST_WORDS * 4;
}

/** Views over a log buffer. The Float64 region comes first so it is 8-byte aligned. */
export function logViews(buffer: SharedArrayBuffer, threads: number, entriesPerThread: number, listJobs: number): LogViews {
  const n = threads * entriesPerThread;
  const intAt = n * TIME_WORDS * 8;
  return {
    f64: new Float64Array(buffer, 0, n * TIME_WORDS),
    i32: new Int32Array(buffer, intAt, n * INT_WORDS),
    list: new Int32Array(buffer, intAt + n * INT_WORDS * 4, n * listJobs * LIST_WORDS),
    listJobs,
    entriesPerThread,
  };
}

/** Index of a thread's k-th entry in entry units. */
export function entryIndex(v: LogViews, thread: number, k: number): number {
  return thread * v.entriesPerThread + k;
}

/** Index in `list` of the first word of the j-th job listed by entry `e` (an entryIndex). */
export function listIndex(v: LogViews, e: number, j: number): number {
  return (e * v.listJobs + j) * LIST_WORDS;
}
