/**
 * Main-thread side of the demo's five scenarios: how each one's shared memory
 * and store jobs are set up, and how its outcome is measured. The same setup
 * and the same measure serve the broken and the safe variant.
 */
import type { JobStore } from '@atomic-jobs/store';
import { jobId } from '../job-scenario.js';
import type { RacePool } from '../pool.js';
import type { DemoTask } from '../protocol.js';
import {
  BANK_BALANCE, J_ATTEMPTS, J_ERROR, J_PROCESSED, J_STATUS, J_VERSION, J_WRITES, STATUS_CODE, STATUS_OF_CODE, demoMemory, errorToken, jobWord,
  recordConsistent, statusOfToken, type DemoScenarioName, type DemoVariant, type DemoWorkerResult,
} from './layout.js';

/** A retry budget that scenarios 3 and 5 never exhaust while cycling failed -> pending. */
const ENDLESS_RETRIES = 0x7fffffff;

export interface ScenarioContext {
  readonly variant: DemoVariant;
  readonly store: JobStore;
  readonly i32: Int32Array;
  readonly prefix: string;
  readonly jobs: number;
  readonly iterations: number;
  readonly workers: number;
}

export interface Measured {
  /** The value to compare with `expected` (a balance, a count...). */
  readonly value: number;
  readonly anomalies: number;
}

export interface ScenarioSpec {
  readonly name: DemoScenarioName;
  readonly title: string;
  /** What `expected` and `value` count, for the output. */
  readonly unit: string;
  jobs(iterations: number, workers: number): number;
  expected(iterations: number, workers: number): number;
  setup(ctx: ScenarioContext): void;
  measure(ctx: ScenarioContext, results: readonly DemoWorkerResult[]): Measured;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const seen = (results: readonly DemoWorkerResult[]): number => sum(results.map((r) => r.anomalies));

/** Sum over jobs of |field - 1|: how far each job is from "exactly once". */
function offByOnce(ctx: ScenarioContext, field: number): { total: number; anomalies: number } {
  let total = 0;
  let anomalies = 0;
  for (let i = 0; i < ctx.jobs; i++) {
    const n = Atomics.load(ctx.i32, jobWord(i, field));
    total += n;
    anomalies += Math.abs(n - 1);
  }
  return { total, anomalies };
}

function createJobs(ctx: ScenarioContext, maxRetries?: number): void {
  for (let i = 0; i < ctx.jobs; i++) ctx.store.create(jobId(ctx.prefix, i), maxRetries === undefined ? undefined : { maxRetries });
}

export const SCENARIOS: readonly ScenarioSpec[] = [
  {
    name: 'bank-account',
    title: '1. Bank account: lost updates',
    unit: 'final balance (starts at workers x iterations; every iteration withdraws 1)',
    jobs: () => 0,
    expected: () => 0,
    setup(ctx) {
      // Every worker withdraws 1, `iterations` times, from exactly enough money.
      Atomics.store(ctx.i32, BANK_BALANCE >> 2, ctx.iterations * ctx.workers);
    },
    measure(ctx) {
      const balance = Atomics.load(ctx.i32, BANK_BALANCE >> 2);
      return { value: balance, anomalies: Math.abs(balance) }; // each unit left over is a lost withdrawal
    },
  },
  {
    name: 'duplicate-processing',
    title: '2. Duplicate processing: check-then-set',
    unit: 'times jobs were processed',
    jobs: (iterations) => iterations,
    expected: (iterations) => iterations,
    setup(ctx) {
      if (ctx.variant === 'broken') for (let i = 0; i < ctx.jobs; i++) Atomics.store(ctx.i32, jobWord(i, J_STATUS), STATUS_CODE.pending);
      else createJobs(ctx);
    },
    measure(ctx) {
      const { total, anomalies } = offByOnce(ctx, J_PROCESSED);
      return { value: total, anomalies };
    },
  },
  {
    name: 'inconsistent-state',
    title: '3. Inconsistent state: status and lastError in separate steps',
    unit: 'snapshots whose lastError is from another update',
    jobs: (_iterations, workers) => workers,
    expected: () => 0,
    setup(ctx) {
      if (ctx.variant === 'broken') {
        for (let i = 0; i < ctx.jobs; i++) {
          Atomics.store(ctx.i32, jobWord(i, J_STATUS), STATUS_CODE.pending);
          Atomics.store(ctx.i32, jobWord(i, J_VERSION), 1);
          Atomics.store(ctx.i32, jobWord(i, J_ERROR), errorToken('pending', 0, 0));
        }
      } else createJobs(ctx, ENDLESS_RETRIES);
    },
    measure(ctx, results) {
      // Plus the final records: each must be consistent once every writer is done.
      let finalBad = 0;
      for (let i = 0; i < ctx.jobs; i++) {
        let ok: boolean;
        if (ctx.variant === 'broken') {
          ok = statusOfToken(Atomics.load(ctx.i32, jobWord(i, J_ERROR))) === STATUS_OF_CODE[Atomics.load(ctx.i32, jobWord(i, J_STATUS))];
        } else {
          const s = ctx.store.get(jobId(ctx.prefix, i));
          ok = s !== undefined && (s.lastError === null ? s.version === 1 : s.lastError.startsWith(`${s.status}:`));
        }
        if (!ok) finalBad++;
      }
      const anomalies = seen(results) + finalBad;
      return { value: anomalies, anomalies };
    },
  },
  {
    name: 'invalid-transitions',
    title: '4. Invalid transitions: check outside the critical section',
    unit: 'status changes applied (one per job is valid)',
    jobs: (iterations) => iterations,
    expected: (iterations) => iterations,
    setup(ctx) {
      if (ctx.variant === 'broken') for (let i = 0; i < ctx.jobs; i++) Atomics.store(ctx.i32, jobWord(i, J_STATUS), STATUS_CODE.processing);
      else {
        createJobs(ctx);
        for (let i = 0; i < ctx.jobs; i++) ctx.store.claim(jobId(ctx.prefix, i));
      }
    },
    measure(ctx) {
      // Every job starts processing; its first change (to completed or pending) is
      // the only valid one. Any later change starts from completed or pending
      // towards the other, which the table forbids (e.g. completed -> pending).
      const { total, anomalies } = offByOnce(ctx, J_WRITES);
      return { value: total, anomalies };
    },
  },
  {
    name: 'torn-reads',
    title: '5. Torn reads: reading a job while it is written',
    unit: 'torn snapshots read',
    jobs: (_iterations, workers) => workers,
    expected: () => 0,
    setup(ctx) {
      if (ctx.variant === 'broken') {
        for (let i = 0; i < ctx.jobs; i++) {
          Atomics.store(ctx.i32, jobWord(i, J_STATUS), STATUS_CODE.pending);
          Atomics.store(ctx.i32, jobWord(i, J_VERSION), 1);
        }
      } else createJobs(ctx, ENDLESS_RETRIES);
    },
    measure(ctx, results) {
      let finalTorn = 0;
      for (let i = 0; i < ctx.jobs; i++) {
        let ok: boolean;
        if (ctx.variant === 'broken') {
          const err = Atomics.load(ctx.i32, jobWord(i, J_ERROR));
          ok = recordConsistent(STATUS_OF_CODE[Atomics.load(ctx.i32, jobWord(i, J_STATUS))], Atomics.load(ctx.i32, jobWord(i, J_ATTEMPTS)), Atomics.load(ctx.i32, jobWord(i, J_VERSION)), err === 0 ? null : err);
        } else {
          const s = ctx.store.get(jobId(ctx.prefix, i));
          ok = s !== undefined && recordConsistent(s.status, s.attempts, s.version, s.lastError === null ? null : Number(s.lastError));
        }
        if (!ok) finalTorn++;
      }
      const anomalies = seen(results) + finalTorn;
      return { value: anomalies, anomalies };
    },
  },
];

export interface SideResult {
  readonly value: number;
  readonly anomalies: number;
  readonly opsPerSec: number;
  /** Changes the store refused (only the safe side has any). */
  readonly refusals: number;
}

export interface RunOptions {
  readonly iterations: number;
  /** Work done in each racing window. */
  readonly windowWork: number;
}

let runCounter = 0;

/** Run one side of one scenario on the pool: set up, race, measure, clean the store. */
export async function runSide(pool: RacePool, spec: ScenarioSpec, variant: DemoVariant, options: RunOptions): Promise<SideResult> {
  const workers = pool.threads;
  const jobs = spec.jobs(options.iterations, workers);
  const memory = demoMemory(jobs);
  const ctx: ScenarioContext = {
    variant,
    store: pool.store,
    i32: new Int32Array(memory),
    prefix: `${spec.name}-${++runCounter}-`,
    jobs,
    iterations: options.iterations,
    workers,
  };
  spec.setup(ctx);
  try {
    const results = (await pool.race((worker, gate) => ({
      task: { type: 'demo', worker, workers, gate, scenario: spec.name, variant, memory, prefix: ctx.prefix, jobs, iterations: options.iterations, windowWork: options.windowWork } satisfies DemoTask,
    }))) as DemoWorkerResult[];
    const m = spec.measure(ctx, results);
    const elapsed = Math.max(...results.map((r) => r.finishedAt)) - Math.min(...results.map((r) => r.startedAt));
    return { value: m.value, anomalies: m.anomalies, opsPerSec: (sum(results.map((r) => r.ops)) / Math.max(elapsed, 1e-3)) * 1000, refusals: sum(results.map((r) => r.refusals)) };
  } finally {
    if (variant === 'safe') removeJobs(pool.store, ctx.prefix, jobs);
  }
}

function removeJobs(store: JobStore, prefix: string, jobs: number): void {
  for (let i = 0; i < jobs; i++) {
    const id = jobId(prefix, i);
    if (store.get(id)?.status === 'processing') store.updateStatus(id, 'completed');
    store.remove(id);
  }
}
