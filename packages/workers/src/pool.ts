/**
 * Main-thread side of the racing pool: a piscina pool whose workers attach to
 * one JobStore when they start, and which runs "races": exactly one task per
 * thread, all held at one start gate until every one of them has started.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { InvalidArgumentError, type JobCounts, type JobSnapshot, type JobStore } from '@atomic-jobs/store';
import type { ComlinkBaseline } from './baseline/client.js';
import { markDeadWorkers } from './dead-workers.js';
import { createGate } from './gate.js';
import { jobScenarioConfig, verifyJobRun, type JobRunReport, type JobScenarioOptions, type JobWorkerResult } from './job-scenario.js';
import { JOB_CTRL_WORDS, type PoolResults, type PoolTask, type PoolWorkerData } from './protocol.js';

export interface RacePoolOptions {
  /** The store every worker attaches to (once, at worker start). */
  store: JobStore;
  /**
   * Worker threads, which is also the number of racing tasks in every race.
   * @default os.availableParallelism()
   */
  threads?: number | undefined;
}

export interface JobRunOptions extends JobScenarioOptions {
  /**
   * Remove the run's jobs from the store afterwards, so the pool can run again.
   * @default true
   */
  cleanup?: boolean | undefined;
}

/** One racing task as made for worker `worker`, and what to transfer with it. */
export interface RaceEntry<T extends PoolTask> {
  readonly task: T;
  readonly transfer?: readonly MessagePort[] | undefined;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

let runCounter = 0;

export class RacePool {
  readonly store: JobStore;
  readonly threads: number;
  readonly #piscina: Piscina;

  constructor(options: RacePoolOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an object with a store', options);
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new InvalidArgumentError('options.threads', 'an integer from 1 to 256', threads);
    this.store = options.store;
    this.threads = threads;
    const workerData: PoolWorkerData = { kind: 'atomic-jobs/pool', store: options.store.handle };
    // minThreads = maxThreads = threads and one task per thread at a time: a race
    // of `threads` gated tasks always finds one thread per task, so the gate opens.
    this.#piscina = new Piscina({
      filename: WORKER_URL.href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData,
    });
    // Tell the store when a worker dies, so the locks it held are recovered
    // (robust locks: see the store's README).
    markDeadWorkers(this.#piscina, this.store);
  }

  /**
   * Run one task per thread, all released by one start gate at the same
   * instant; resolves with their results in worker order.
   */
  async race<T extends PoolTask>(make: (worker: number, gate: SharedArrayBuffer) => RaceEntry<T>): Promise<PoolResults[T['type']][]> {
    const gate = createGate(this.threads);
    const runs: Promise<PoolResults[T['type']]>[] = [];
    for (let w = 0; w < this.threads; w++) {
      const { task, transfer } = make(w, gate);
      runs.push(this.#piscina.run(task, transfer === undefined ? {} : { transferList: [...transfer] }) as Promise<PoolResults[T['type']]>);
    }
    return Promise.all(runs);
  }

  /** The job-processing scenario on the pool's store. The store must be empty. Check `problems` of the report. */
  async runJobScenario(options: JobRunOptions = {}): Promise<JobRunReport> {
    const config = jobScenarioConfig(options);
    const before = this.store.counts();
    if (before.total !== 0) throw new Error(`runJobScenario needs an empty store; it holds ${before.total} jobs`);
    if (this.store.capacity < config.jobs) throw new InvalidArgumentError('options.jobs', `at most the store's capacity (${this.store.capacity})`, config.jobs);
    const prefix = `jobs${++runCounter}-`;
    const control = new SharedArrayBuffer(JOB_CTRL_WORDS * 4);
    const results = (await this.race((worker, gate) => ({
      task: { type: 'jobs', worker, workers: this.threads, gate, control, prefix, config },
    }))) as JobWorkerResult[];
    const finals = this.store.list().filter((s) => s.id.startsWith(prefix));
    const storeCounts = this.store.counts();
    const report = verifyJobRun(config, prefix, results, finals, countsOf(finals));
    const problems = [...report.problems];
    for (const k of ['pending', 'processing', 'completed', 'failed', 'total'] as const) {
      if (storeCounts[k] !== report.counts[k]) problems.push(`store.counts().${k} = ${storeCounts[k]}, but the jobs listed say ${report.counts[k]}`);
    }
    if (options.cleanup ?? true) for (const s of finals) this.store.remove(s.id);
    return { ...report, counts: storeCounts, problems };
  }

  /** The same scenario, the same workers and load, against the comlink baseline. */
  async runBaselineJobScenario(baseline: ComlinkBaseline, options: JobScenarioOptions = {}): Promise<JobRunReport> {
    const config = jobScenarioConfig(options);
    const prefix = `baseline${++runCounter}-`;
    const control = new SharedArrayBuffer(JOB_CTRL_WORDS * 4);
    const results = (await this.race((worker, gate) => {
      const port = baseline.connect();
      return { task: { type: 'jobs-baseline', worker, workers: this.threads, gate, control, prefix, config, port }, transfer: [port] };
    })) as JobWorkerResult[];
    const finals = (await baseline.store.list()).filter((s) => s.id.startsWith(prefix));
    return verifyJobRun(config, prefix, results, finals, countsOf(finals));
  }

  /** Stop every worker thread. */
  async close(): Promise<void> {
    await this.#piscina.close();
  }
}

function countsOf(jobs: readonly JobSnapshot[]): JobCounts {
  const c: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: jobs.length };
  for (const j of jobs) c[j.status]++;
  return c;
}
