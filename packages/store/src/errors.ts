/**
 * One error class per failure kind, each with `name` set and a stable `code`
 * (BullMQ's convention). Every error the store or the lock throws is an
 * instance of {@link JobStoreError}, so callers can branch on `err.code`.
 */

export type ErrorCode =
  | 'ERR_JOB_NOT_FOUND'
  | 'ERR_INVALID_TRANSITION'
  | 'ERR_DUPLICATE_JOB'
  | 'ERR_STORE_FULL'
  | 'ERR_REGISTRY_FULL'
  | 'ERR_LOCK_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_STORE_FORMAT'
  | 'ERR_NOT_OWNER'
  | 'ERR_DEADLOCK'
  | 'ERR_JOB_PROCESSING'
  | 'ERR_STALE_CLAIM'
  | 'ERR_DETACHED';

/** Base class of every error thrown by `@atomic-jobs/store`. */
export class JobStoreError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JobStoreError';
    this.code = code;
  }
}

/** No job has that id. */
export class JobNotFoundError extends JobStoreError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_JOB_NOT_FOUND', `Job ${JSON.stringify(id)} not found`);
    this.name = 'JobNotFoundError';
    this.id = id;
  }
}

/** The transition table (or the retry budget) forbids the requested change. */
export class InvalidTransitionError extends JobStoreError {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  constructor(id: string, from: string, to: string, reason?: string) {
    super(
      'ERR_INVALID_TRANSITION',
      `Job ${JSON.stringify(id)} cannot go from ${from} to ${to}${reason === undefined ? '' : ` (${reason})`}`,
    );
    this.name = 'InvalidTransitionError';
    this.id = id;
    this.from = from;
    this.to = to;
  }
}

/** A job with that id already exists. */
export class DuplicateJobError extends JobStoreError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_DUPLICATE_JOB', `Job ${JSON.stringify(id)} already exists`);
    this.name = 'DuplicateJobError';
    this.id = id;
  }
}

/** Every slot is in use. */
export class StoreFullError extends JobStoreError {
  readonly capacity: number;
  constructor(capacity: number) {
    super('ERR_STORE_FULL', `The store is full (capacity ${capacity})`);
    this.name = 'StoreFullError';
    this.capacity = capacity;
  }
}

/**
 * Every entry of the store's thread registry belongs to a live JobStore
 * instance (one per attach or create), so no more can attach. Entries come
 * back through `detach()`, and through `markThreadDead` for threads that exited.
 */
export class RegistryFullError extends JobStoreError {
  readonly entries: number;
  constructor(entries: number) {
    super('ERR_REGISTRY_FULL', `All ${entries} entries of the store's thread registry are held by live instances: detach() those no longer used, or markThreadDead() for threads that exited`);
    this.name = 'RegistryFullError';
    this.entries = entries;
  }
}

/** The lock could not be taken within `timeoutMs`. */
export class LockTimeoutError extends JobStoreError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('ERR_LOCK_TIMEOUT', `Timed out after ${timeoutMs} ms waiting for the lock`);
    this.name = 'LockTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before the operation took effect. */
export class AbortedError extends JobStoreError {
  constructor(reason?: unknown) {
    super('ERR_ABORTED', 'The operation was aborted', reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortedError';
  }
}

/** An argument has the wrong type, range or shape. */
export class InvalidArgumentError extends JobStoreError {
  readonly argument: string;
  constructor(argument: string, expected: string, received: unknown) {
    super('ERR_INVALID_ARGUMENT', `Expected \`${argument}\` to be ${expected}, got ${describe(received)}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }
}

/** The buffer handed to `attach` is not a store of this layout version. */
export class StoreFormatError extends JobStoreError {
  constructor(detail: string) {
    super('ERR_STORE_FORMAT', `Not an atomic-jobs store of this layout version: ${detail}`);
    this.name = 'StoreFormatError';
  }
}

/** `unlock()` was called by a thread that does not hold the lock. */
export class NotOwnerError extends JobStoreError {
  readonly owner: number;
  constructor(owner: number) {
    super(
      'ERR_NOT_OWNER',
      owner < 0 ? 'Unlock of a lock that is not held' : `Unlock by a thread that does not hold the lock (held by thread ${owner})`,
    );
    this.name = 'NotOwnerError';
    this.owner = owner;
  }
}

/** The calling thread already holds the lock it is trying to take (the lock is not re-entrant). */
export class DeadlockError extends JobStoreError {
  constructor() {
    super('ERR_DEADLOCK', 'This thread already holds the lock; the lock is not re-entrant');
    this.name = 'DeadlockError';
  }
}

/** `remove` refused a job that a worker is processing. */
export class JobProcessingError extends JobStoreError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_JOB_PROCESSING', `Job ${JSON.stringify(id)} is being processed and cannot be removed`);
    this.name = 'JobProcessingError';
    this.id = id;
  }
}

/** `updateStatus({ attempt })` named an attempt that is no longer the job's current claim. */
export class StaleClaimError extends JobStoreError {
  readonly id: string;
  readonly attempt: number;
  readonly currentAttempt: number;
  constructor(id: string, attempt: number, currentAttempt: number, status: string) {
    super(
      'ERR_STALE_CLAIM',
      `Job ${JSON.stringify(id)}: attempt ${attempt} is stale (job is ${status} at attempt ${currentAttempt})`,
    );
    this.name = 'StaleClaimError';
    this.id = id;
    this.attempt = attempt;
    this.currentAttempt = currentAttempt;
  }
}

/** Short, bounded description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of length ${value.length}` : `the string ${JSON.stringify(value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return Array.isArray(value) ? 'an array' : `an object (${Object.prototype.toString.call(value)})`;
  }
}

/**
 * The JobStore instance was detached: its registry entry may belong to
 * another thread now, so it refuses every call that would take a lock.
 * Attach again for a new instance.
 */
export class DetachedError extends JobStoreError {
  constructor() {
    super('ERR_DETACHED', 'This JobStore instance was detached; call JobStore.attach(handle) for a new one');
    this.name = 'DetachedError';
  }
}
