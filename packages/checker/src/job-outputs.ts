/** Comparing and describing the JobStore model's inputs and outputs (job-store-model.ts). */
import { UNKNOWN, type Unknown } from './types.js';
import type { JobInput, JobOutput, JobView } from './job-store-model.js';

/** Whether two outputs are the same answer, on the fields the model decides. */
export function sameOutput(a: JobOutput, b: JobOutput): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  return sameValue(a.value, b.value);
}

type Value = Extract<JobOutput, { value: unknown }>['value'];

function sameValue(x: Value, y: Value): boolean {
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return x === y;
  if (isList(x) || isList(y)) return isList(x) && isList(y) && x.length === y.length && x.every((v, k) => sameValue(v, y[k] ?? null));
  if (!('id' in x) || !('id' in y)) {
    return !('id' in x) && !('id' in y) && x.pending === y.pending && x.processing === y.processing && x.completed === y.completed && x.failed === y.failed;
  }
  return x.id === y.id && x.status === y.status && x.attempts === y.attempts && x.maxRetries === y.maxRetries && x.lastError === y.lastError && x.version === y.version;
}

function isList(v: Value): v is readonly JobView[] {
  return Array.isArray(v);
}

export function describeJobInput(input: JobInput): string {
  switch (input.op) {
    case 'create': return `create(${JSON.stringify(input.id)}, maxRetries ${input.maxRetries})`;
    case 'claimNext': return 'claimNext()';
    case 'counts': return 'counts()';
    case 'list': return `list(${input.atomic ? 'one instant' : 'per job'})`;
    case 'retryFailed': return `retryFailed(${input.atomic ? 'atomic' : 'per-job sweep'})`;
    case 'retryOne': return 'retryOne()';
    case 'reclaimStalled': return 'reclaimStalled(after every lease)';
    case 'reclaimOne': return 'reclaimOne() (any processing job)';
    case 'reclaimJob': return `reclaimJob(${JSON.stringify(input.id)}) (one job of a sweep, as reported)`;
    case 'updateStatus': {
      const extra = (input.lastError === undefined ? '' : `, ${JSON.stringify(input.lastError)}`) + (input.attempt === undefined ? '' : `, {attempt ${input.attempt}}`);
      return `updateStatus(${JSON.stringify(input.id)}, ${input.status}${extra})`;
    }
    default: return `${input.op}(${JSON.stringify(input.id)})`;
  }
}

export function describeJobOutput(out: JobOutput | Unknown): string {
  if (out === UNKNOWN) return '? (outcome unknown)';
  if ('error' in out) return `throws ${out.error}`;
  const v = out.value;
  if (isList(v)) return `[${v.map((j) => describeJobOutput({ value: j })).join(' ')}]`;
  if (v === null) return 'undefined';
  if (typeof v !== 'object') return String(v);
  if (!('id' in v)) return `{pending ${v.pending}, processing ${v.processing}, completed ${v.completed}, failed ${v.failed}}`;
  return `{${JSON.stringify(v.id)} ${v.status} attempts ${v.attempts}/${v.maxRetries} v${v.version}${v.lastError === null ? '' : ` error ${JSON.stringify(v.lastError)}`}}`;
}
