/**
 * Public option types and their checks at the boundary. Every message has the
 * p-queue shape: the argument, what was expected, what was received.
 */
import { InvalidArgumentError } from './errors.js';
import type { JobSnapshot } from './types.js';

export interface LockOptions {
  /**
   * Give up with `LockTimeoutError` (`ERR_LOCK_TIMEOUT`) after this many milliseconds.
   * @default Infinity
   */
  timeoutMs?: number | undefined;
  /** Give up with `AbortedError` (`ERR_ABORTED`) when this signal aborts. */
  signal?: AbortSignal | undefined;
}

export interface UpdateOptions extends LockOptions {
  /**
   * Fencing token: the `attempts` value of the snapshot your claim returned.
   * When given, the update is refused with `StaleClaimError` (`ERR_STALE_CLAIM`)
   * unless the job is still processing under that same attempt.
   */
  attempt?: number | undefined;
}

export type Locking = 'global' | 'per-job';

/**
 * How this instance reads a job without changing it (`get`, `list`, and the
 * index lookup before every call that finds its job).
 * `'seqlock'`: no lock, a retry when a writer was inside (readers never write
 * shared memory). Sound only where the hardware keeps loads with loads and
 * stores with stores in order: x86-64, the only architecture that offers it.
 * `'locked'`: take the job's lock for the read (and the structure lock to
 * confirm an id not found). Sound by the ECMAScript memory model alone, on
 * any hardware.
 */
export type ReadMode = 'seqlock' | 'locked';

/**
 * Whether this machine keeps the seqlock's ordering (x86-64). Read at each
 * call, not once, so a test can present another architecture.
 */
export function seqlockSound(): boolean {
  return process.arch === 'x64';
}

/** Options of one JobStore instance (this thread's view of the store), for `create` and `attach`. */
export interface AttachOptions {
  /**
   * How this instance reads jobs (see ReadMode). Each instance chooses for
   * itself: writers always take the lock and bracket their writes with the
   * seqlock, so instances in both modes can share a store. `'seqlock'` is
   * refused off x86-64.
   * @default 'seqlock' on x64, 'locked' on every other architecture
   */
  reads?: ReadMode | undefined;
}

export interface StoreOptions extends AttachOptions {
  /** Maximum number of jobs held at once (slots). */
  capacity: number;
  /**
   * Longest id, in UTF-8 bytes.
   * @default 64
   */
  maxIdBytes?: number | undefined;
  /**
   * Longest `lastError`, in UTF-8 bytes; longer messages are cut at a character boundary and flagged truncated.
   * @default 256
   */
  maxErrorBytes?: number | undefined;
  /**
   * `'per-job'`: one lock per job slot, so updates to different jobs run in parallel.
   * `'global'`: one lock for the whole store (simplest, fully serialised).
   * @default 'per-job'
   */
  locking?: Locking | undefined;
  /**
   * How long a claim stays valid, in ms. A processing job whose lease expired
   * (its worker died or hung) is returned to pending by `reclaimStalled()`.
   * @default 30000
   */
  leaseMs?: number | undefined;
}

export interface CreateOptions {
  /**
   * How many attempts a job gets: a failed job is re-queued only while `attempts < maxRetries`.
   * @default 3
   */
  maxRetries?: number | undefined;
}

export interface RetryOptions {
  /**
   * Called with each job the sweep retries, as the retry left it (pending),
   * once that change is committed and the job's lock released (so it may
   * call the store): one call per job, oldest failure first. If it throws,
   * the sweep stops there and the error propagates; the jobs retried until
   * then stay retried, and each was reported. (PgJobStore's sweep is one
   * transaction: it reports after the commit, and a throw leaves the jobs
   * after it retried but unreported.)
   */
  onRetried?: ((job: JobSnapshot) => void) | undefined;
}

export interface ReclaimOptions {
  /**
   * The instant leases are compared with, ms since the epoch: a lease that
   * ends at or before it has expired. (Passing a number instead of the
   * options object is the same as passing only `now`.)
   * @default the store's clock: `Date.now()`, or the PostgreSQL server's
   */
  now?: number | undefined;
  /**
   * Called with each job the sweep reclaims, as the reclaim left it
   * (pending, attempts kept), once that change is committed and the job's
   * lock released (so it may call the store): one call per job, in the order
   * of the reclaims, oldest lease first. If it throws, the sweep stops there
   * and the error propagates; the jobs reclaimed until then stay reclaimed,
   * and each was reported. (PgJobStore's sweep is one transaction: it
   * reports after the commit, and a throw leaves the jobs after it
   * reclaimed but unreported.)
   */
  onReclaimed?: ((job: JobSnapshot) => void) | undefined;
}

export interface ListOptions {
  /** Only jobs in this status. */
  status?: string | undefined;
}

export const DEFAULT_MAX_ID_BYTES = 64;
export const DEFAULT_MAX_ERROR_BYTES = 256;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_LEASE_MS = 30_000;
/** Ids and errors are stored with a 16-bit length. */
export const MAX_FIELD_BYTES = 65_535;

export function checkObject(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(name, 'an object or undefined', value);
  }
  return value as Record<string, unknown>;
}

export function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** The read mode of `options` (of `create` or `attach`), checked. */
export function checkReads(options: unknown): ReadMode {
  const reads = checkObject('options', options)?.['reads'];
  if (!seqlockSound()) {
    if (reads !== undefined && reads !== 'locked') throw new InvalidArgumentError('options.reads', `'locked' or undefined on ${process.arch} (the seqlock needs x86-64)`, reads);
    return 'locked';
  }
  if (reads === undefined) return 'seqlock';
  if (reads !== 'seqlock' && reads !== 'locked') throw new InvalidArgumentError('options.reads', "'seqlock', 'locked' or undefined", reads);
  return reads;
}

const NO_OPTIONS: UpdateOptions = Object.freeze({});

export function checkLockOptions(options: unknown, name = 'options'): LockOptions {
  const o = checkObject(name, options);
  if (o === undefined) return NO_OPTIONS;
  const { timeoutMs, signal } = o;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)) {
    throw new InvalidArgumentError(`${name}.timeoutMs`, 'a number >= 0 or undefined', timeoutMs);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${name}.signal`, 'an AbortSignal or undefined', signal);
  }
  return { timeoutMs: timeoutMs as number | undefined, signal: signal as AbortSignal | undefined };
}

export function checkUpdateOptions(options: unknown): UpdateOptions {
  if (options === undefined) return NO_OPTIONS;
  const lock = checkLockOptions(options);
  const attempt = options === undefined ? undefined : (options as Record<string, unknown>)['attempt'];
  if (attempt !== undefined) checkInt('options.attempt', attempt, 0, 0x7fffffff);
  return { ...lock, attempt: attempt as number | undefined };
}

/** reclaimStalled's argument: a number (its `now`), its options, or undefined. */
export function checkReclaimOptions(arg: unknown): { now: number | undefined; onReclaimed: ((job: JobSnapshot) => void) | undefined } {
  if (arg === undefined) return { now: undefined, onReclaimed: undefined };
  if (typeof arg === 'number') return { now: checkNow(arg, 'now'), onReclaimed: undefined };
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) {
    throw new InvalidArgumentError('options', 'an object, a number (now) or undefined', arg);
  }
  const o = arg as Record<string, unknown>;
  return { now: checkNow(o['now'], 'options.now'), onReclaimed: checkSweepCallback(o, 'onReclaimed') };
}

function checkNow(now: unknown, name: string): number | undefined {
  if (now !== undefined && (typeof now !== 'number' || !Number.isFinite(now))) {
    throw new InvalidArgumentError(name, 'a finite number (ms since the epoch) or undefined', now);
  }
  return now;
}

/** A sweep's callback (reclaimStalled's, retryFailed's), `key` of its checked options: a function or undefined. */
function checkSweepCallback(o: Record<string, unknown> | undefined, key: 'onReclaimed' | 'onRetried'): ((job: JobSnapshot) => void) | undefined {
  const fn = o?.[key];
  if (fn !== undefined && typeof fn !== 'function') throw new InvalidArgumentError(`options.${key}`, 'a function or undefined', fn);
  return fn as ((job: JobSnapshot) => void) | undefined;
}

/** retryFailed's options: the callback, or undefined. */
export function checkRetryOptions(options: unknown): ((job: JobSnapshot) => void) | undefined {
  return checkSweepCallback(checkObject('options', options), 'onRetried');
}
