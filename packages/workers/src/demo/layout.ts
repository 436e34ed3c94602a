/**
 * The demo's shared memory: one SharedArrayBuffer per scenario run, with the
 * same layout for the deliberately broken and the safe variant. Slots are
 * named here once. The job table mirrors the store's job fields (status,
 * attempts, version, lastError) as plain Int32 words so the broken variants
 * can update them the way a hand-rolled shared-memory store would; the two
 * measurement words per job are only ever changed with Atomics.add, so the
 * counts themselves are exact.
 */
import { Mutex, type JobStatus } from '@atomic-jobs/store';

export const DEMO_SCENARIOS = ['bank-account', 'duplicate-processing', 'inconsistent-state', 'invalid-transitions', 'torn-reads'] as const;
export type DemoScenarioName = (typeof DEMO_SCENARIOS)[number];
export type DemoVariant = 'broken' | 'safe';

/** Byte offsets of the header. */
export const BANK_BALANCE = 0; // Int32: the account balance (scenario 1)
export const BANK_MUTEX = 8; // Mutex.BYTES bytes: the lock of the safe variant (scenario 1)
export const JOBS_OFFSET = BANK_MUTEX + Math.ceil(Mutex.BYTES / 8) * 8;

/** Int32 fields of one job record, relative to the record. */
export const J_STATUS = 0; // status code (STATUS_CODE)
export const J_ATTEMPTS = 1;
export const J_VERSION = 2;
export const J_ERROR = 3; // lastError as a token (errorToken); 0 = null
export const J_PROCESSED = 4; // measurement: times a worker processed the job (Atomics.add only)
export const J_WRITES = 5; // measurement: status writes that took effect (Atomics.add only)
export const JOB_WORDS = 8;

export const STATUS_CODE: Readonly<Record<JobStatus, number>> = { pending: 1, processing: 2, completed: 3, failed: 4 };
export const STATUS_OF_CODE: readonly (JobStatus | undefined)[] = [undefined, 'pending', 'processing', 'completed', 'failed'];

export function demoMemory(jobs: number): SharedArrayBuffer {
  return new SharedArrayBuffer(JOBS_OFFSET + Math.max(jobs, 1) * JOB_WORDS * 4);
}

/** Int32 index of field `field` of job `index`. */
export function jobWord(index: number, field: number): number {
  return (JOBS_OFFSET >> 2) + index * JOB_WORDS + field;
}

/** lastError of scenario 3 as an Int32: the status it was written with, the writer and a sequence number. */
export function errorToken(status: JobStatus, worker: number, seq: number): number {
  return (STATUS_CODE[status] << 28) | ((worker & 0xff) << 20) | (seq & 0xfffff);
}
export function statusOfToken(token: number): JobStatus | undefined {
  return STATUS_OF_CODE[token >>> 28];
}

/** Scenario 3 and 5 walk this cycle; every step is allowed by the store's table while retries are left. */
export const NEXT_STATUS: Readonly<Record<JobStatus, JobStatus>> = { pending: 'processing', processing: 'failed', failed: 'pending', completed: 'completed' };

/**
 * Scenario 5's invariant: every field of a record written by the same update.
 * Starting pending (attempts 0, version 1) and walking pending -> processing
 * (attempts + 1) -> failed (lastError = attempts) -> pending, a record with a
 * attempts must have version 3a - 1 (processing), 3a (failed) or 3a + 1
 * (pending), and lastError a (null before the first failure).
 */
export function recordConsistent(status: JobStatus | undefined, attempts: number, version: number, lastError: number | null): boolean {
  const errorAfter = (failures: number): number | null => (failures === 0 ? null : failures);
  switch (status) {
    case 'processing':
      return version === 3 * attempts - 1 && lastError === errorAfter(attempts - 1);
    case 'failed':
      return version === 3 * attempts && lastError === attempts;
    case 'pending':
      return version === 3 * attempts + 1 && lastError === errorAfter(attempts);
    default:
      return false;
  }
}

/** What one worker reports for one side of one scenario. */
export interface DemoWorkerResult {
  readonly worker: number;
  /** Operations done (withdrawals, claims, writes, reads...). */
  readonly ops: number;
  /** Anomalies this worker saw itself (inconsistent / torn snapshots); others are counted from memory afterwards. */
  readonly anomalies: number;
  /** Changes the store refused (InvalidTransitionError): the store catching what the broken variant let through. */
  readonly refusals: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly workChecksum: number;
}
