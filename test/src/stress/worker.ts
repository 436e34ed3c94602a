/**
 * In-thread side of the stress harness (a piscina task). Attaches to the
 * store, waits at the start barrier, then runs a seeded random mix of
 * operations on a few hot jobs, logging each one in shared memory before and
 * after it runs (protocol in log.ts).
 */
import { threadId } from 'node:worker_threads';
import { JOB_STATUSES, JobNotFoundError, JobStore, JobStoreError, type JobCounts, type JobSnapshot } from '@atomic-jobs/store';
import {
  C_GO, C_PROGRESS, C_READY, C_STOP, E_ARG, E_ATTEMPT, E_ERR_ARG, E_JOB, E_KIND, E_RES, E_R_ATTEMPTS, E_R_ERR, E_R_JOB, E_R_MAX,
  E_R_NUM, E_R_STATUS, E_R_VERSION, E_STATE, ENTRY_DONE, ENTRY_IN_FLIGHT, ERROR_CODES, ERROR_TEXTS, ERR_ABSENT, ERR_NULL,
  ERR_UNRECOGNISED, INT_WORDS, cThreadId, OP_KINDS, RES_BOOL, RES_COUNTS, RES_ERROR, RES_JOB, RES_LIST, RES_NONE, RES_NUM, TIME_WORDS, T_CALL, T_RET, entryIndex,
  cParked, listIndex, logViews, type OpKind,
} from './log.js';
import { jobId, type StressTask, type StressTaskResult } from './protocol.js';
import { mulberry32, pick } from './random.js';
import { setFaultHook } from '@atomic-jobs/store/testing';

/** Relative weights of the operations in each mix. */
const WEIGHTS: Readonly<Record<'mixed' | 'per-key', Readonly<Partial<Record<OpKind, number>>>>> = {
  mixed: { create: 14, get: 15, claim: 14, claimNext: 12, updateStatus: 30, remove: 5, retryFailed: 6, reclaimStalled: 3, counts: 3, list: 3 },
  'per-key': { create: 14, get: 18, claim: 20, updateStatus: 35, remove: 5 },
};

/** Microseconds since the history's clock base, on the process-wide monotonic clock. */
function now(base: bigint): number {
  return Number(process.hrtime.bigint() - base) / 1000;
}

export default function runStressTask(task: StressTask): StressTaskResult {
  // A previous task on this thread left its hook: not in attach (its fault
  // point 'registering' comes before this task has told the main thread who
  // it is, so a park there could never be killed).
  setFaultHook(undefined);
  const store = JobStore.attach(task.handle, { reads: task.reads });
  const control = new Int32Array(task.control);
  // The store holds at most `jobs` jobs (its capacity), so a list() answer at most that many.
  const log = logViews(task.log, task.threads, task.entriesPerThread, task.jobs);
  const rnd = mulberry32(task.seed);
  // counts() is one instant only under the global lock (per job, only while no update is in flight).
  const weights = (Object.entries(WEIGHTS[task.mix]) as [OpKind, number][]).filter(([kind]) => kind !== 'counts' || store.locking === 'global');
  /** Attempts of this thread's own successful claims, by job: its fencing tokens. */
  const mine = new Map<number, number>();

  // A local word to sleep on: Atomics.wait on a value nobody changes is a precise sleep.
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const parked = cParked(task.threads, task.thread);
  setFaultHook(task.pauseChance > 0 || task.killInsideChance > 0 ? () => {
    if (task.killInsideChance > 0 && rnd() < task.killInsideChance) {
      // Park here, inside the critical section, holding its locks mid-write,
      // and ask the main thread to kill us (it polls PARKED). Never returns.
      Atomics.store(control, parked, 1);
      for (;;) Atomics.wait(nap, 0, 0, 1000);
    }
    if (task.pauseChance > 0 && rnd() < task.pauseChance) Atomics.wait(nap, 0, 0, 0.1 + rnd() * 0.9);
  } : undefined);
  // Published before the barrier, so the main thread knows which Worker runs this task before any operation starts.
  Atomics.store(control, cThreadId(task.threads, task.thread), threadId);
  // Start barrier: count in, then sleep until GO. Atomics.wait re-checks GO
  // before sleeping, so a GO stored earlier is never missed.
  Atomics.add(control, C_READY, 1);
  Atomics.notify(control, C_READY);
  while (Atomics.load(control, C_GO) === 0) Atomics.wait(control, C_GO, 0, 100);

  const i32 = log.i32;
  /** Open log entry `k` (its inputs written): the invocation instant, then IN_FLIGHT (protocol in log.ts). */
  const open = (k: number): void => {
    const e = entryIndex(log, task.thread, k);
    log.f64[e * TIME_WORDS + T_CALL] = now(task.clockBase);
    Atomics.store(i32, e * INT_WORDS + E_STATE, ENTRY_IN_FLIGHT);
  };
  /** Close log entry `k`, its result written: DONE, and the progress word. */
  const close = (k: number): void => {
    Atomics.store(i32, entryIndex(log, task.thread, k) * INT_WORDS + E_STATE, ENTRY_DONE);
    Atomics.store(control, C_PROGRESS + task.thread, k + 1);
  };
  let k = 0;
  for (; k < task.entriesPerThread && Atomics.load(control, C_STOP) === 0; k++) {
    let kind = pickWeighted(rnd, weights);
    // A sweep logs one entry per job it reclaims, plus one: it needs room for every hot job.
    if (kind === 'reclaimStalled' && k + task.jobs >= task.entriesPerThread) kind = 'get';
    const job = Math.floor(rnd() * task.jobs);
    const id = jobId(job);
    let w = entryIndex(log, task.thread, k) * INT_WORDS;
    i32[w + E_KIND] = OP_KINDS.indexOf(kind === 'reclaimStalled' ? 'reclaimed' : kind);
    i32[w + E_JOB] = job;
    let run: () => JobSnapshot | JobSnapshot[] | JobCounts | undefined | boolean | number;
    switch (kind) {
      case 'create': {
        const maxRetries = Math.floor(rnd() * 4);
        i32[w + E_ARG] = maxRetries;
        run = () => store.create(id, { maxRetries });
        break;
      }
      case 'get': run = () => store.get(id); break;
      case 'claim': run = task.impl === 'real' ? () => store.claim(id) : () => brokenClaim(store, id); break;
      case 'claimNext': run = () => store.claimNext(); break;
      case 'remove': run = () => store.remove(id); break;
      case 'retryFailed': run = () => store.retryFailed(); break;
      case 'counts': run = () => store.counts(); break;
      case 'list':
        run = () => {
          const all = store.list();
          // Recorded as ERR_INTERNAL, which the model refuses.
          if (all.length > task.jobs) throw new Error(`stress: list() returned ${all.length} jobs from a store of capacity ${task.jobs}`);
          return all;
        };
        break;
      case 'reclaimed': throw new Error("stress: 'reclaimed' is what a sweep logs, not an operation of the mix");
      case 'reclaimStalled':
        // Every lease has expired at this `now`: each processing job is
        // reclaimed (the checker's model keeps no clock). Each job reported
        // closes the open entry as "this job was reclaimed", over the instants
        // since the previous one, and opens the next; the sweep's return
        // closes the last as "nothing more" (log.ts, 'reclaimed').
        run = () => {
          let reported = 0;
          const n = store.reclaimStalled({
            now: Number.MAX_SAFE_INTEGER,
            onReclaimed: (s) => {
              // Recorded as ERR_INTERNAL in the open entry, which the model refuses.
              if (k + 1 >= task.entriesPerThread) throw new Error(`stress: a sweep reported more jobs than the store holds (${reported + 1})`);
              log.f64[entryIndex(log, task.thread, k) * TIME_WORDS + T_RET] = now(task.clockBase);
              i32[w + E_RES] = RES_JOB;
              writeSnapshot(i32, w, s);
              close(k);
              reported++;
              k++;
              w = entryIndex(log, task.thread, k) * INT_WORDS;
              i32[w + E_KIND] = OP_KINDS.indexOf('reclaimed');
              open(k);
            },
          });
          // Recorded as ERR_INTERNAL in the last entry, which the model refuses.
          if (n !== reported) throw new Error(`stress: reclaimStalled returned ${n} but reported ${reported} jobs`);
          return 0;
        };
        break;
      case 'updateStatus': {
        const status = pick(rnd, JOB_STATUSES);
        const r = rnd();
        const errArg = r < 0.4 ? ERR_ABSENT : r < 0.55 ? ERR_NULL : Math.floor(rnd() * ERROR_TEXTS.length);
        const lastError = errArg === ERR_ABSENT ? undefined : errArg === ERR_NULL ? null : ERROR_TEXTS[errArg];
        // Fencing: usually our own claim's attempt when we hold one; sometimes a guess.
        const held = mine.get(job);
        const f = rnd();
        const attempt = held !== undefined && f < 0.7 ? held : f < 0.85 ? Math.floor(rnd() * 3) : undefined;
        i32[w + E_ARG] = JOB_STATUSES.indexOf(status);
        i32[w + E_ERR_ARG] = errArg;
        i32[w + E_ATTEMPT] = attempt ?? -1;
        run = () => store.updateStatus(id, status, lastError, attempt === undefined ? undefined : { attempt });
        break;
      }
    }
    open(k);
    let result: JobSnapshot | JobSnapshot[] | JobCounts | undefined | boolean | number;
    let code = -1;
    try {
      result = run();
    } catch (err) {
      // Every store error is data for the checker; anything else is ERR_INTERNAL, which the model refuses.
      code = err instanceof JobStoreError ? ERROR_CODES.indexOf(err.code) : ERROR_CODES.indexOf('ERR_INTERNAL');
      if (code < 0) code = ERROR_CODES.indexOf('ERR_INTERNAL');
    }
    // A sweep has moved on to its last entry (k and w with it).
    log.f64[entryIndex(log, task.thread, k) * TIME_WORDS + T_RET] = now(task.clockBase);
    if (code >= 0) {
      i32[w + E_RES] = RES_ERROR;
      i32[w + E_R_NUM] = code;
    } else if (result === undefined) {
      i32[w + E_RES] = RES_NONE;
    } else if (typeof result === 'boolean' || typeof result === 'number') {
      i32[w + E_RES] = typeof result === 'boolean' ? RES_BOOL : RES_NUM;
      i32[w + E_R_NUM] = Number(result);
    } else if (Array.isArray(result)) {
      i32[w + E_RES] = RES_LIST;
      i32[w + E_R_NUM] = result.length;
      const e = entryIndex(log, task.thread, k);
      result.forEach((job, j) => log.list.set(snapshotWords(job), listIndex(log, e, j)));
    } else if (!('id' in result)) {
      i32[w + E_RES] = RES_COUNTS;
      i32[w + E_R_JOB] = result.pending;
      i32[w + E_R_STATUS] = result.processing;
      i32[w + E_R_ATTEMPTS] = result.completed;
      i32[w + E_R_MAX] = result.failed;
    } else {
      i32[w + E_RES] = RES_JOB;
      writeSnapshot(i32, w, result);
      const owner = Number(result.id.slice(1));
      if (result.status === 'processing') mine.set(owner, result.attempts);
      else mine.delete(owner);
    }
    close(k);
  }
  store.detach();
  return { kind: 'stress-done', thread: task.thread, written: k, threadId };
}

/** BROKEN ON PURPOSE (impl 'check-then-act'): the check and the claim are two steps, with a pause between. */
function brokenClaim(store: JobStore, id: string): JobSnapshot | undefined {
  const seen = store.get(id);
  if (seen === undefined) throw new JobNotFoundError(id);
  if (seen.status !== 'pending') return undefined;
  const until = process.hrtime.bigint() + 200_000n;
  while (process.hrtime.bigint() < until) {
    // Widen the race window to about 200 us.
  }
  return store.updateStatus(id, 'processing');
}

/** A snapshot as six words, in the list region's order (L_JOB .. L_ERR): job index, status index, attempts, maxRetries, version, error index. */
function snapshotWords(s: JobSnapshot): number[] {
  const known = s.lastError === null ? ERR_NULL : ERROR_TEXTS.indexOf(s.lastError);
  return [
    /^j\d+$/.test(s.id) ? Number(s.id.slice(1)) : -1,
    JOB_STATUSES.indexOf(s.status),
    s.attempts,
    s.maxRetries,
    s.version,
    (s.lastError !== null && known < 0) || s.lastErrorTruncated ? ERR_UNRECOGNISED : known,
  ];
}

function writeSnapshot(i32: Int32Array, w: number, s: JobSnapshot): void {
  const [job, status, attempts, max, version, err] = snapshotWords(s) as [number, number, number, number, number, number];
  i32[w + E_R_JOB] = job;
  i32[w + E_R_STATUS] = status;
  i32[w + E_R_ATTEMPTS] = attempts;
  i32[w + E_R_MAX] = max;
  i32[w + E_R_VERSION] = version;
  i32[w + E_R_ERR] = err;
}

function pickWeighted<T>(rnd: () => number, weights: readonly (readonly [T, number])[]): T {
  const total = weights.reduce((s, [, n]) => s + n, 0);
  let r = rnd() * total;
  for (const [v, n] of weights) {
    if ((r -= n) < 0) return v;
  }
  return (weights[weights.length - 1] as readonly [T, number])[0];
}
