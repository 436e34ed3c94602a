/**
 * Hand-written histories for the checker tests: one line per operation,
 * `[call, ret]` on an abstract clock, `ret` undefined for an unknown outcome.
 */
import type { JobInput, JobOutput, JobView, Operation } from '@atomic-jobs/checker';
import type { JobStatus } from '@atomic-jobs/store';

export type JobOp = Operation<JobInput, JobOutput>;

export function op(thread: number, call: number, ret: number | undefined, input: JobInput, output?: JobOutput): JobOp {
  if (ret === undefined) return { thread, call, input, unknown: true };
  return { thread, call, ret, input, output };
}

export function job(id: string, status: JobStatus, attempts: number, version: number, lastError: string | null = null, maxRetries = 3): JobOutput {
  const v: JobView = { id, status, attempts, maxRetries, lastError, version };
  return { value: v };
}

export const none: JobOutput = { value: null };
export const yes: JobOutput = { value: true };
export const no: JobOutput = { value: false };
export const count = (n: number): JobOutput => ({ value: n });
export const fails = (error: string): JobOutput => ({ error });

export const create = (id: string, maxRetries = 3): JobInput => ({ op: 'create', id, maxRetries });
export const get = (id: string): JobInput => ({ op: 'get', id });
export const claim = (id: string): JobInput => ({ op: 'claim', id });
export const claimNext: JobInput = { op: 'claimNext' };
export const remove = (id: string): JobInput => ({ op: 'remove', id });
export const update = (id: string, status: JobStatus, lastError?: string | null, attempt?: number): JobInput => ({ op: 'updateStatus', id, status, lastError, attempt });
