/** Turning a stress log (log.ts) back into a history for the checker. */
import { JOB_STATUSES, type JobStatus } from '@atomic-jobs/store';
import type { JobInput, JobOutput, JobView, Operation } from '@atomic-jobs/checker';
import {
  E_ARG, E_ATTEMPT, E_ERR_ARG, E_JOB, E_KIND, E_RES, E_R_ATTEMPTS, E_R_ERR, E_R_JOB, E_R_MAX, E_R_NUM, E_R_STATUS, E_R_VERSION,
  E_STATE, ENTRY_DONE, ENTRY_EMPTY, ENTRY_IN_FLIGHT, ERROR_CODES, ERROR_TEXTS, ERR_ABSENT, ERR_NULL, INT_WORDS, OP_KINDS, RES_BOOL,
  L_ATTEMPTS, L_ERR, L_JOB, L_MAX, L_STATUS, L_VERSION, RES_COUNTS, RES_ERROR, RES_JOB, RES_LIST, RES_NONE, RES_NUM, TIME_WORDS, T_CALL, T_RET,
  entryIndex, listIndex, type LogViews,
} from './log.js';
import { jobId } from './protocol.js';

export interface Decoded {
  readonly ops: Operation<JobInput, JobOutput>[];
  /** Entries left in flight (their thread died mid-operation): decoded as unknown outcomes. */
  readonly inFlight: number;
}

/**
 * Every entry of every thread, in order. `atomic`: which calls the store ran
 * as one instant (retryFailed in one critical section; list under the global
 * lock).
 */
export function decodeLog(log: LogViews, threads: number, atomic: { readonly retry: boolean; readonly list: boolean }): Decoded {
  const ops: Operation<JobInput, JobOutput>[] = [];
  let inFlight = 0;
  for (let t = 0; t < threads; t++) {
    for (let k = 0; k < log.entriesPerThread; k++) {
      const e = entryIndex(log, t, k);
      const w = e * INT_WORDS;
      // Acquire side of the publication protocol in log.ts.
      const state = Atomics.load(log.i32, w + E_STATE);
      if (state === ENTRY_EMPTY) break;
      const input = decodeInput(log.i32, w, atomic, state === ENTRY_DONE);
      const call = log.f64[e * TIME_WORDS + T_CALL] as number;
      if (state === ENTRY_IN_FLIGHT) {
        inFlight++;
        ops.push({ thread: t, input, call, unknown: true, note: 'in flight when its thread died' });
      } else if (state === ENTRY_DONE) {
        ops.push({ thread: t, input, call, ret: log.f64[e * TIME_WORDS + T_RET] as number, output: decodeOutput(log, e) });
      } else {
        throw new Error(`stress log: entry ${k} of thread ${t} has state ${state}`);
      }
    }
  }
  return { ops, inFlight };
}

function status(i: number): JobStatus {
  const s = JOB_STATUSES[i];
  if (s === undefined) throw new Error(`stress log: status index ${i}`);
  return s;
}

function decodeInput(i32: Int32Array, w: number, atomic: { readonly retry: boolean; readonly list: boolean }, done: boolean): JobInput {
  const kind = OP_KINDS[i32[w + E_KIND] as number];
  const id = jobId(i32[w + E_JOB] as number);
  switch (kind) {
    case 'create': return { op: 'create', id, maxRetries: i32[w + E_ARG] as number };
    case 'get': return { op: 'get', id };
    case 'claim': return { op: 'claim', id };
    case 'claimNext': return { op: 'claimNext' };
    case 'counts': return { op: 'counts' };
    case 'remove': return { op: 'remove', id };
    case 'retryFailed': return { op: 'retryFailed', atomic: atomic.retry };
    case 'list': return { op: 'list', atomic: atomic.list };
    case 'reclaimStalled': return { op: 'reclaimStalled' };
    case 'reclaimed': {
      // One step of a sweep (log.ts): a job reported; the sweep's end (the
      // number 0: nothing more reclaimed; a count that differs from the
      // reports is recorded as an error instead); or, in flight or failed,
      // a reclaim of an unknown job.
      const res = i32[w + E_RES];
      if (done && res === RES_JOB) {
        const job = i32[w + E_R_JOB] as number;
        return { op: 'reclaimJob', id: job < 0 ? '<an id the harness never used>' : jobId(job) };
      }
      return done && res === RES_NUM ? { op: 'reclaimStalled' } : { op: 'reclaimOne' };
    }
    case 'updateStatus': {
      const errArg = i32[w + E_ERR_ARG] as number;
      const attempt = i32[w + E_ATTEMPT] as number;
      return {
        op: 'updateStatus',
        id,
        status: status(i32[w + E_ARG] as number),
        lastError: errArg === ERR_ABSENT ? undefined : errArg === ERR_NULL ? null : (ERROR_TEXTS[errArg] as string),
        attempt: attempt < 0 ? undefined : attempt,
      };
    }
    default: throw new Error(`stress log: operation kind ${i32[w + E_KIND]}`);
  }
}

function decodeOutput(log: LogViews, e: number): JobOutput {
  const i32 = log.i32;
  const w = e * INT_WORDS;
  switch (i32[w + E_RES]) {
    case RES_NONE: return { value: null };
    case RES_BOOL: return { value: i32[w + E_R_NUM] === 1 };
    case RES_NUM: return { value: i32[w + E_R_NUM] as number };
    case RES_COUNTS: return {
      value: { pending: i32[w + E_R_JOB] as number, processing: i32[w + E_R_STATUS] as number, completed: i32[w + E_R_ATTEMPTS] as number, failed: i32[w + E_R_MAX] as number },
    };
    case RES_ERROR: return { error: ERROR_CODES[i32[w + E_R_NUM] as number] ?? 'ERR_INTERNAL' };
    case RES_JOB: {
      const at = (k: number): number => i32[w + k] as number;
      return { value: view(at(E_R_JOB), at(E_R_STATUS), at(E_R_ATTEMPTS), at(E_R_MAX), at(E_R_VERSION), at(E_R_ERR)) };
    }
    case RES_LIST: {
      // In the order the store listed them (slot order): sorted by id, as the model lists.
      const jobs = Array.from({ length: i32[w + E_R_NUM] as number }, (_, j) => {
        const at = (k: number): number => log.list[listIndex(log, e, j) + k] as number;
        return view(at(L_JOB), at(L_STATUS), at(L_ATTEMPTS), at(L_MAX), at(L_VERSION), at(L_ERR));
      });
      return { value: jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.version - b.version)) };
    }
    default: throw new Error(`stress log: result kind ${i32[w + E_RES]}`);
  }
}

/** A recorded snapshot's words as a job view. Values the harness never wrote decode to values the model can never produce. */
function view(job: number, statusIndex: number, attempts: number, maxRetries: number, version: number, err: number): JobView {
  return {
    id: job < 0 ? '<an id the harness never used>' : jobId(job),
    status: status(statusIndex),
    attempts,
    maxRetries,
    lastError: err === ERR_NULL ? null : (ERROR_TEXTS[err] ?? '<an error text the harness never wrote, or truncated>'),
    version,
  };
}
