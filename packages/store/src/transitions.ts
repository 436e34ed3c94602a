/**
 * The job lifecycle, as data. The store validates every change against this
 * table inside its critical section; nothing else decides what may happen.
 */

export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Transition {
  readonly from: JobStatus;
  readonly to: JobStatus;
  /** `'retries-left'`: allowed only while `attempts < maxRetries`. */
  readonly guard?: 'retries-left';
  readonly meaning: string;
}

export const TRANSITIONS: readonly Transition[] = Object.freeze([
  Object.freeze({ from: 'pending', to: 'processing', meaning: 'claimed; attempts + 1' } as const),
  Object.freeze({ from: 'processing', to: 'completed', meaning: 'done' } as const),
  Object.freeze({ from: 'processing', to: 'failed', meaning: 'the attempt failed' } as const),
  Object.freeze({ from: 'processing', to: 'pending', meaning: 'given back, or reclaimed from a dead worker' } as const),
  Object.freeze({ from: 'failed', to: 'pending', guard: 'retries-left', meaning: 'retry' } as const),
]);

export interface RetryBudget {
  readonly attempts: number;
  readonly maxRetries: number;
}

export function isJobStatus(value: unknown): value is JobStatus {
  return statusCode(value) !== 0;
}

/**
 * The in-memory code of a status (STATUS_CODES), 0 for anything that is not
 * one. A switch, because every updateStatus runs it: comparing against
 * string literals is cheaper than a keyed lookup in an object (a megamorphic
 * load in V8) or a search of JOB_STATUSES.
 */
export function statusCode(value: unknown): number {
  switch (value) {
    case 'pending':
      return 1;
    case 'processing':
      return 2;
    case 'completed':
      return 3;
    case 'failed':
      return 4;
    default:
      return 0;
  }
}

/**
 * Whether `from -> to` is allowed. With `job`, guards are applied too
 * (failed -> pending only while attempts < maxRetries); without it, only the table.
 */
export function canTransition(from: JobStatus, to: JobStatus, job?: RetryBudget): boolean {
  for (const t of TRANSITIONS) {
    if (t.from !== from || t.to !== to) continue;
    if (t.guard === 'retries-left' && job !== undefined) return job.attempts < job.maxRetries;
    return true;
  }
  return false;
}

/** In-memory status codes. 0 marks a free slot. */
export const STATUS_FREE = 0;
/** Status -> code, from statusCode (so the two can never disagree). */
export const STATUS_CODES: Readonly<Record<JobStatus, number>> = Object.freeze({
  pending: statusCode('pending'),
  processing: statusCode('processing'),
  completed: statusCode('completed'),
  failed: statusCode('failed'),
});
export const STATUS_BY_CODE: readonly (JobStatus | undefined)[] = [undefined, ...JOB_STATUSES];

/** ALLOWED[from * 5 + to] = 0 forbidden, 1 allowed, 2 allowed while retries are left. Built from TRANSITIONS. */
export const ALLOWED: Uint8Array = (() => {
  const a = new Uint8Array(25);
  for (const t of TRANSITIONS) a[STATUS_CODES[t.from] * 5 + STATUS_CODES[t.to]] = t.guard === undefined ? 1 : 2;
  return a;
})();
