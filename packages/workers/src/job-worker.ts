/**
 * In-thread side of the job-processing scenario: the producer / consumer /
 * sweeper loop, once against the shared-memory store (synchronous calls) and
 * once against the comlink baseline (every call a message round trip).
 * The two loops are the same steps; they are written twice so the store's
 * loop pays no promise overhead.
 */
import { JobStoreError, type JobSnapshot, type JobStore } from '@atomic-jobs/store';
import type { Remote } from 'comlink';
import type { InMemoryJobStore } from './baseline/in-memory-store.js';
import { passGate, sharedNow } from './gate.js';
import { attemptFails, failureMessage, jobId, spin, type JobScenarioConfig, type JobWorkerResult } from './job-scenario.js';
import { JOB_CTRL_ABORTED, JOB_CTRL_FINALIZED, JOB_CTRL_IDLE, type BaselineJobTask, type JobTask } from './protocol.js';

/** Give up (and report it) when no job reaches a terminal state for this long. */
const STALL_MS = 30_000;
/** Idle sleep when there is nothing to claim. */
const IDLE_SLEEP_MS = 0.05;

/** Growable log of (job index, attempt) pairs. */
class PairLog {
  #a = new Int32Array(1024);
  #n = 0;
  push(index: number, attempt: number): void {
    if (this.#n + 2 > this.#a.length) {
      const b = new Int32Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.#n++] = index;
    this.#a[this.#n++] = attempt;
  }
  toArray(): Int32Array {
    return this.#a.slice(0, this.#n);
  }
}

/** Shared bookkeeping of one worker's loop. */
class Tally {
  readonly log = new PairLog();
  readonly refusals: string[] = [];
  created = 0;
  completed = 0;
  failedAttempts = 0;
  swept = 0;
  sinceSweep = 0;
  sink = 0;
  readonly ctrl: Int32Array;
  readonly config: JobScenarioConfig;
  readonly prefix: string;
  #lastFinalized = -1;
  #lastProgressAt = sharedNow();

  constructor(task: JobTask | BaselineJobTask) {
    this.ctrl = new Int32Array(task.control);
    this.config = task.config;
    this.prefix = task.prefix;
  }

  get done(): boolean {
    return Atomics.load(this.ctrl, JOB_CTRL_ABORTED) !== 0 || Atomics.load(this.ctrl, JOB_CTRL_FINALIZED) >= this.config.jobs;
  }

  indexOf(job: JobSnapshot): number {
    const index = job.id.startsWith(this.prefix) ? Number(job.id.slice(this.prefix.length)) : NaN;
    if (!Number.isInteger(index)) throw new Error(`job scenario: claimed a job that is not ours: ${job.id}`);
    return index;
  }

  /** Process one claimed attempt; returns the update to write. */
  process(job: JobSnapshot): { index: number; fails: boolean } {
    const index = this.indexOf(job);
    this.log.push(index, job.attempts);
    this.sinceSweep++;
    this.sink ^= spin(this.config.workIterations, index);
    return { index, fails: attemptFails(this.config, index, job.attempts) };
  }

  /** After a successful update: count it; a terminal outcome bumps the shared FINALIZED counter. */
  recorded(job: JobSnapshot, fails: boolean): void {
    if (fails) this.failedAttempts++;
    else this.completed++;
    // Atomics.add so that concurrent finishers never lose a count; every worker's
    // exit test reads it with Atomics.load.
    if (!fails || job.attempts >= job.maxRetries) Atomics.add(this.ctrl, JOB_CTRL_FINALIZED, 1);
  }

  refused(err: unknown): void {
    if (!(err instanceof JobStoreError)) throw err;
    this.refusals.push(`${err.code}: ${err.message}`);
    Atomics.store(this.ctrl, JOB_CTRL_ABORTED, 1);
  }

  /** Nothing to claim: sleep briefly; report a stall instead of spinning forever. */
  idle(): void {
    const f = Atomics.load(this.ctrl, JOB_CTRL_FINALIZED);
    const now = sharedNow();
    if (f !== this.#lastFinalized) {
      this.#lastFinalized = f;
      this.#lastProgressAt = now;
    } else if (now - this.#lastProgressAt > STALL_MS) {
      this.refusals.push(`stalled: ${f} of ${this.config.jobs} jobs finished and no progress for ${STALL_MS} ms`);
      Atomics.store(this.ctrl, JOB_CTRL_ABORTED, 1);
      return;
    }
    Atomics.wait(this.ctrl, JOB_CTRL_IDLE, 0, IDLE_SLEEP_MS);
  }

  result(worker: number, startedAt: number): JobWorkerResult {
    return {
      worker,
      processed: this.log.toArray(),
      created: this.created,
      completed: this.completed,
      failedAttempts: this.failedAttempts,
      swept: this.swept,
      startedAt,
      finishedAt: sharedNow(),
      refusals: this.refusals,
      workChecksum: this.sink,
    };
  }
}

export function runJobsOnStore(store: JobStore, task: JobTask): JobWorkerResult {
  const t = new Tally(task);
  const { config } = t;
  const sweeper = task.worker === task.workers - 1;
  const startedAt = passGate(task.gate);
  if (task.worker === 0) {
    for (let i = 0; i < config.jobs; i++, t.created++) store.create(jobId(task.prefix, i), { maxRetries: config.maxRetries });
  }
  while (!t.done) {
    if (sweeper && t.sinceSweep >= config.sweepEvery) {
      t.swept += store.retryFailed();
      t.sinceSweep = 0;
    }
    const job = store.claimNext();
    if (job === undefined) {
      if (sweeper) {
        const n = store.retryFailed();
        t.swept += n;
        t.sinceSweep = 0;
        if (n > 0) continue;
      }
      t.idle();
      continue;
    }
    const { index, fails } = t.process(job);
    try {
      if (fails) store.updateStatus(job.id, 'failed', failureMessage(index, job.attempts), { attempt: job.attempts });
      else store.updateStatus(job.id, 'completed', null, { attempt: job.attempts });
      t.recorded(job, fails);
    } catch (err) {
      t.refused(err);
    }
  }
  return t.result(task.worker, startedAt);
}

export async function runJobsOnBaseline(store: Remote<InMemoryJobStore>, task: BaselineJobTask): Promise<JobWorkerResult> {
  const t = new Tally(task);
  const { config } = t;
  const sweeper = task.worker === task.workers - 1;
  const startedAt = passGate(task.gate);
  if (task.worker === 0) {
    for (let i = 0; i < config.jobs; i++, t.created++) await store.create(jobId(task.prefix, i), { maxRetries: config.maxRetries });
  }
  while (!t.done) {
    if (sweeper && t.sinceSweep >= config.sweepEvery) {
      t.swept += await store.retryFailed();
      t.sinceSweep = 0;
    }
    const job = await store.claimNext();
    if (job === undefined) {
      if (sweeper) {
        const n = await store.retryFailed();
        t.swept += n;
        t.sinceSweep = 0;
        if (n > 0) continue;
      }
      t.idle();
      continue;
    }
    const { index, fails } = t.process(job);
    try {
      if (fails) await store.updateStatus(job.id, 'failed', failureMessage(index, job.attempts), { attempt: job.attempts });
      else await store.updateStatus(job.id, 'completed', null, { attempt: job.attempts });
      t.recorded(job, fails);
    } catch (err) {
      t.refused(err);
    }
  }
  return t.result(task.worker, startedAt);
}
