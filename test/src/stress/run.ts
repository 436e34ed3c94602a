/**
 * Main-thread side of the stress harness. A run is a series of histories;
 * each history is a fresh store, a fresh log, and one task per pool worker,
 * released together through a barrier so the threads really race on the same
 * few hot jobs. After each history the log is decoded and checked for
 * linearizability against the store's model; the verdicts are summed.
 *
 * Histories alternate between locking modes (when both are asked for) and
 * between the 'mixed' operation set (checked whole, FIFO order included) and
 * the 'per-key' set (checked job by job, so it can be longer and faster).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { JobStore, type Locking, type ReadMode } from '@atomic-jobs/store';
import { check, jobStoreModel, writeTimeline } from '@atomic-jobs/checker';
import { decodeLog } from './decode.js';
import { runHistory } from './history.js';
import { controlWords, logBytes, logViews } from './log.js';
import type { Impl, Mix, StressTask, StressTaskResult } from './protocol.js';
import { deriveSeed, mulberry32 } from './random.js';

export interface StressOptions {
  /** Pool workers racing on the store. */
  readonly workers: number;
  /** Stop after about this many operations in total. */
  readonly ops: number;
  /** ...or after this long, whichever comes first. */
  readonly durationMs: number;
  readonly seed: number;
  readonly locking: Locking | 'both';
  /** Hot jobs (the store's capacity too). */
  readonly jobs: number;
  /** Operations per history (over all workers). */
  readonly historyOps: number;
  /** Checker budget per history; over it the verdict is 'unknown'. */
  readonly checkTimeoutMs: number;
  /**
   * The store under test; 'check-then-act' is deliberately broken (see protocol.ts).
   * @default 'real'
   */
  readonly impl?: Impl | undefined;
  /**
   * How the workers' store instances read jobs (`get`, and every lookup).
   * @default the store's default on this machine ('seqlock' on x64)
   */
  readonly reads?: ReadMode | undefined;
  /** Where to write an HTML timeline of each violation (nothing is written without one). */
  readonly outDir?: string | undefined;
  /**
   * Mean milliseconds between kills of a random worker (worker.terminate()) during a history; 0: none.
   * @default 0
   */
  readonly killEveryMs?: number | undefined;
  /**
   * A history still running this long after its start is declared hung, and the run ends.
   * @default 60000
   */
  readonly hangMs?: number | undefined;
  /**
   * Chance of a 0.1-1 ms pause at each fault point inside the store's critical sections.
   * @default 0
   */
  readonly pauseChance?: number | undefined;
  /**
   * Chance, at each fault point, that the thread parks there and is killed
   * inside the critical section (holding locks, mid-write).
   * @default 0
   */
  readonly killInsideChance?: number | undefined;
  /** End the run at the first violation. */
  readonly stopOnViolation?: boolean | undefined;
  readonly onProgress?: ((p: StressProgress) => void) | undefined;
}


export interface StressProgress {
  readonly operations: number;
  readonly histories: number;
  readonly violations: number;
  readonly unknown: number;
  readonly elapsedMs: number;
}

export interface StressSummary {
  readonly seed: number;
  readonly workers: number;
  readonly jobs: number;
  readonly operations: number;
  readonly histories: number;
  /** Histories the checker proved not linearizable. */
  readonly violations: number;
  /** Histories the checker could not decide within its budget (a failure, like a violation). */
  readonly unknown: number;
  /** Operations left in flight by a dead thread (checked as unknown outcomes). */
  readonly unknownOutcomeOps: number;
  readonly workersKilled: number;
  /** Of those, killed while parked inside a critical section (holding locks, mid-write). */
  readonly killedInside: number;
  /** Tasks the watchdog found still running long after their history should have ended (the run stops there). */
  readonly hung: number;
  readonly locksRecovered: number;
  readonly jobsRepaired: number;
  readonly stalledReclaimed: number;
  readonly byLocking: Readonly<Record<Locking, number>>;
  /** Histories checked whole (mixed operations) and split per job (per-key operations). */
  readonly checkedWhole: number;
  readonly checkedPerJob: number;
  /** Sub-histories searched in total. */
  readonly partitions: number;
  /** Share of operations whose interval overlaps an operation of another thread (how much the threads really raced). */
  readonly overlapping: number;
  /** Operations per kind, over the run. */
  readonly opCounts: Readonly<Record<string, number>>;
  /** Error codes returned, over the run. */
  readonly errorCounts: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  /** Time spent in the checker, total and for the slowest history. */
  readonly checkerMs: number;
  readonly maxHistoryCheckMs: number;
  /** The checker's report of each violation or unknown verdict. */
  readonly reports: readonly string[];
  /** HTML timelines written. */
  readonly files: readonly string[];
}

/** The compiled in-thread side (vitest runs this file from source, the CLI from dist). */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const url = here.endsWith('.ts') ? new URL('../../dist/src/stress/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new Error(`stress worker not compiled (${file}): run \`npx tsc -b test\` first`);
  return url.href;
}

const MINIMIZED_VIOLATIONS = 3;
const MAX_TIMELINE_FILES = 10;

/** Operations overlapping at least one operation of another thread (unknown outcomes overlap everything after them). */
export function countOverlapping(ops: readonly { thread: number | string; call: number; ret?: number | undefined }[]): number {
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  const hit = new Set<number>();
  // Sweep by invocation: the operations still open when one is invoked overlap it.
  const open: number[] = [];
  sorted.forEach((op, i) => {
    for (let k = open.length - 1; k >= 0; k--) {
      const j = open[k] as number;
      const other = sorted[j] as (typeof sorted)[number];
      if ((other.ret ?? Infinity) < op.call) open.splice(k, 1);
      else if (other.thread !== op.thread) { hit.add(i); hit.add(j); }
    }
    open.push(i);
  });
  return hit.size;
}

export async function runStress(o: StressOptions): Promise<StressSummary> {
  const W = o.workers;
  const pool = new Piscina<StressTask, StressTaskResult>({ filename: workerFile(), minThreads: W, maxThreads: W, idleTimeout: 60_000, concurrentTasksPerWorker: 1 });
  const started = performance.now();
  const end = started + o.durationMs;
  let operations = 0;
  let histories = 0;
  let violations = 0;
  let unknown = 0;
  let unknownOutcomeOps = 0;
  let checkerMs = 0;
  let maxHistoryCheckMs = 0;
  let checkedWhole = 0;
  let checkedPerJob = 0;
  let partitions = 0;
  let overlapped = 0;
  let workersKilled = 0;
  let killedInside = 0;
  let hung = 0;
  let locksRecovered = 0;
  let jobsRepaired = 0;
  let stalledReclaimed = 0;
  const killRnd = mulberry32(o.seed ^ 0x5bd1e995);
  const killClock = { next: Infinity };
  const byLocking: Record<Locking, number> = { global: 0, 'per-job': 0 };
  const opCounts: Record<string, number> = {};
  const errorCounts: Record<string, number> = {};
  const reports: string[] = [];
  const files: string[] = [];
  try {
    while (operations < o.ops && performance.now() < end && !(o.stopOnViolation === true && violations > 0)) {
      const h = histories;
      const locking: Locking = o.locking === 'both' ? (h % 2 === 0 ? 'per-job' : 'global') : o.locking;
      const mix: Mix = (o.locking === 'both' ? h >> 1 : h) % 2 === 0 ? 'mixed' : 'per-key';
      const entriesPerThread = Math.max(1, Math.ceil(Math.min(o.historyOps, o.ops - operations) / W));
      const store = JobStore.create({ capacity: o.jobs, locking });
      const control = new SharedArrayBuffer(controlWords(W) * 4);
      const ctrl = new Int32Array(control);
      const log = new SharedArrayBuffer(logBytes(W, entriesPerThread, o.jobs));
      const clockBase = process.hrtime.bigint();
      const tasks: StressTask[] = Array.from({ length: W }, (_, thread) => ({ kind: 'stress-run', handle: store.handle, control, log, thread, threads: W, entriesPerThread, seed: deriveSeed(o.seed, h, thread), jobs: o.jobs, mix, impl: o.impl ?? 'real', reads: o.reads, pauseChance: o.pauseChance ?? 0, killInsideChance: o.killInsideChance ?? 0, clockBase }));
      const outcome = await runHistory(pool, { tasks, ctrl, end, killEveryMs: o.killEveryMs ?? 0, killClock, hangMs: o.hangMs ?? 60_000, rnd: killRnd, onKilled: (tid) => store.markThreadDead(tid) });
      workersKilled += outcome.killed;
      killedInside += outcome.killedInside;
      const rec = store.recovery();
      locksRecovered += rec.locksRecovered;
      jobsRepaired += rec.jobsRepaired;
      stalledReclaimed += rec.stalledReclaimed;
      if (outcome.hung > 0) {
        // Threads that never return hold their log entries; checking now would race them. Stop the run here.
        hung += outcome.hung;
        reports.push(`history ${h} (seed ${o.seed}, locking ${locking}, mix ${mix}): ${outcome.hung} task(s) still running after ${o.hangMs ?? 60_000} ms: hung (a lock never released?)`);
        break;
      }

      // retryFailed is a sweep of separate atomic retries in both locking modes
      // (store.ts: "Each retry is its own atomic transition"), so never atomic.
      // list() is one instant under the global lock; per job, each job's snapshot is its own instant.
      const decoded = decodeLog(logViews(log, W, entriesPerThread, o.jobs), W, { retry: false, list: locking === 'global' });
      unknownOutcomeOps += decoded.inFlight;
      for (const op of decoded.ops) {
        opCounts[op.input.op] = (opCounts[op.input.op] ?? 0) + 1;
        if (op.output !== undefined && 'error' in op.output) errorCounts[op.output.error] = (errorCounts[op.output.error] ?? 0) + 1;
      }
      const model = jobStoreModel({ capacity: o.jobs });
      const t0 = performance.now();
      // Minimising a witness costs up to 5 s: done for the first few violations only.
      const r = check(model, decoded.ops, { timeoutMs: o.checkTimeoutMs, minimize: violations < MINIMIZED_VIOLATIONS });
      const ms = performance.now() - t0;
      checkerMs += ms;
      maxHistoryCheckMs = Math.max(maxHistoryCheckMs, ms);
      partitions += r.partitions.length;
      if (r.partitions.length === 1 && r.partitions[0]?.label.startsWith('the whole store')) checkedWhole++;
      else checkedPerJob++;
      overlapped += countOverlapping(decoded.ops);
      operations += decoded.ops.length;
      histories++;
      byLocking[locking]++;
      const where = `history ${h} (seed ${o.seed}, locking ${locking}, mix ${mix}, ${decoded.ops.length} operations)`;
      if (r.verdict === 'violation' && r.violation !== undefined) {
        violations++;
        reports.push(`${where}\n${r.violation.text}`);
        if (o.outDir !== undefined && files.length < MAX_TIMELINE_FILES) {
          mkdirSync(o.outDir, { recursive: true });
          const file = join(o.outDir, `violation-seed${o.seed}-history${h}.html`);
          writeTimeline(file, model, r.violation, { title: where });
          files.push(file);
        }
      } else if (r.verdict === 'unknown') {
        unknown++;
        reports.push(`${where}: checker gave up: ${r.notes.join('; ')}`);
      }
      o.onProgress?.({ operations, histories, violations, unknown, elapsedMs: performance.now() - started });
    }
  } finally {
    await pool.destroy();
  }
  return {
    seed: o.seed, workers: W, jobs: o.jobs, operations, histories, violations, unknown, unknownOutcomeOps,
    // Recovery counts: the store's own (JobStore.recovery()), summed over the histories' stores.
    workersKilled, killedInside, hung, locksRecovered, jobsRepaired, stalledReclaimed,
    byLocking, checkedWhole, checkedPerJob, partitions, overlapping: operations === 0 ? 0 : overlapped / operations, opCounts, errorCounts,
    elapsedMs: performance.now() - started, checkerMs, maxHistoryCheckMs, reports, files,
  };
}
