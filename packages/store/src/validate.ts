/** Argument checks for the store's boundary: each throws InvalidArgumentError before anything is touched. */
import { InvalidArgumentError } from './errors.js';
import { isJobStatus, statusCode, type JobStatus } from './transitions.js';
import { scanId, scanned } from './utf8.js';

/** Returns the id's UTF-8 length. Ids must be well-formed (no lone surrogates) so that bytes map back to one string. */
export function checkId(id: unknown, maxIdBytes: number): number {
  return typeof id === 'string' && scanId(id, maxIdBytes) ? scanned.bytes : badId(id, maxIdBytes);
}

function badId(id: unknown, maxIdBytes: number): never {
  throw new InvalidArgumentError('id', `a well-formed string of 1 to ${maxIdBytes} UTF-8 bytes`, id);
}

/** checkId, returning the id's hash instead (the same scan: `scanned.bytes` then holds its length). */
export function checkIdHash(id: unknown, maxIdBytes: number): number {
  return typeof id === 'string' && scanId(id, maxIdBytes) ? scanned.hash : badId(id, maxIdBytes);
}

export function checkStatus(status: unknown, name = 'status'): JobStatus {
  return isJobStatus(status) ? status : badStatus(status, name);
}

/** checkStatus, returning the status's in-memory code (STATUS_CODES). */
export function checkStatusCode(status: unknown, name = 'status'): number {
  const code = statusCode(status);
  return code !== 0 ? code : badStatus(status, name);
}

function badStatus(status: unknown, name: string): never {
  throw new InvalidArgumentError(name, "one of 'pending', 'processing', 'completed', 'failed'", status);
}

export function checkLastError(lastError: unknown): string | null | undefined {
  if (lastError !== undefined && lastError !== null && typeof lastError !== 'string') {
    throw new InvalidArgumentError('lastError', 'a string, null or undefined', lastError);
  }
  return lastError;
}
