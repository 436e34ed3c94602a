/**
 * Hand-written histories for the checker tests: one line per operation,
 * `[call, ret]` on an abstract clock, `ret` undefined for an unknown outcome.
 */
import { check, jobStoreModel, type JobInput, type JobOutput, type JobView, type Operation, type Verdict } from '@atomic-jobs/checker';
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

export type Seen = 'pending' | 'processing';

/** A get of job `id`, claimed once (attempts 1, version 2), seen still processing or taken back to pending once (version 3). */
export const seenAfterOneClaim = (thread: number, call: number, id: string, status: Seen): JobOp =>
  op(thread, call, call + 1, get(id), job(id, status, 1, status === 'pending' ? 3 : 2));

/** The whole-store model's verdict on `history(a, b)` for each way two jobs a and b may be seen after it: keys "a/b". */
export function verdictsBySeen(history: (a: Seen, b: Seen) => JobOp[]): Record<string, Verdict> {
  const model = jobStoreModel();
  const out: Record<string, Verdict> = {};
  for (const a of ['pending', 'processing'] as const) {
    for (const b of ['pending', 'processing'] as const) out[`${a}/${b}`] = check(model, history(a, b)).verdict;
  }
  return out;
}
