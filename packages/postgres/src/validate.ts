/**
 * Argument checks at the boundary, with the shared-memory store's exact
 * semantics and messages (they throw its InvalidArgumentError, whose message
 * names the argument, what was expected and what was received).
 *
 * Reimplemented here because `@atomic-jobs/store` does not export its
 * validate.ts / options.ts checks; store-parity tests compare both stores'
 * errors on the same bad input, so any drift fails a test.
 */
import { InvalidArgumentError, isJobStatus, type JobStatus } from '@atomic-jobs/store';

export const DEFAULT_MAX_ID_BYTES = 64;
export const DEFAULT_MAX_ERROR_BYTES = 256;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_LEASE_MS = 30_000;
/** The store keeps ids and errors with a 16-bit length; the same bound keeps both stores interchangeable. */
export const MAX_FIELD_BYTES = 65_535;

const encoder = new TextEncoder();

/** UTF-8 length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The id as the UTF-8 bytes stored in the `id bytea` column. Ids must be
 * well-formed (no lone surrogates), so bytes and strings map one to one, and
 * NUL is an ordinary character, as in the shared-memory store.
 */
export function checkId(id: unknown, maxIdBytes: number): Buffer {
  if (typeof id === 'string' && id.length > 0 && id.length <= maxIdBytes * 2 && id.isWellFormed()) {
    if (utf8Length(id) <= maxIdBytes) return Buffer.from(id, 'utf8');
  }
  throw new InvalidArgumentError('id', `a well-formed string of 1 to ${maxIdBytes} UTF-8 bytes`, id);
}

export function checkStatus(status: unknown, name = 'status'): JobStatus {
  if (!isJobStatus(status)) {
    throw new InvalidArgumentError(name, "one of 'pending', 'processing', 'completed', 'failed'", status);
  }
  return status;
}

export function checkLastError(lastError: unknown): string | null | undefined {
  if (lastError !== undefined && lastError !== null && typeof lastError !== 'string') {
    throw new InvalidArgumentError('lastError', 'a string, null or undefined', lastError);
  }
  return lastError;
}

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

export interface CheckedUpdateOptions {
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly attempt: number | undefined;
}

const NO_OPTIONS: CheckedUpdateOptions = Object.freeze({ timeoutMs: undefined, signal: undefined, attempt: undefined });

/** `updateStatus`'s options: `{ timeoutMs, signal, attempt }`, checked in the store's order. */
export function checkUpdateOptions(options: unknown): CheckedUpdateOptions {
  const o = checkObject('options', options);
  if (o === undefined) return NO_OPTIONS;
  const { timeoutMs, signal, attempt } = o;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)) {
    throw new InvalidArgumentError('options.timeoutMs', 'a number >= 0 or undefined', timeoutMs);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal or undefined', signal);
  }
  if (attempt !== undefined) checkInt('options.attempt', attempt, 0, 0x7fffffff);
  return { timeoutMs: timeoutMs as number | undefined, signal: signal as AbortSignal | undefined, attempt: attempt as number | undefined };
}

/**
 * A lastError as the bytes to store: cut at `maxErrorBytes` on a UTF-8
 * character boundary (TextEncoder.encodeInto, as the store does, so a lone
 * surrogate becomes U+FFFD and a NUL stays a NUL byte).
 */
export function encodeError(message: string, maxErrorBytes: number): { bytes: Buffer; truncated: boolean } {
  const room = Buffer.allocUnsafe(Math.min(maxErrorBytes, message.length * 3));
  const r = encoder.encodeInto(message, room);
  return { bytes: room.subarray(0, r.written), truncated: r.read < message.length };
}
