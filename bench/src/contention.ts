/**
 * The contention part: for each thread count and contender, a tinybench task
 * whose body is one round of N warm workers doing K operations each
 * (throughput), then fixed-duration rounds ended by one shared stop flag
 * (per-operation latency histogram, contended fraction, fairness).
 * Used by the main process and by the --harmony-struct child alike.
 */
import { Bench } from 'tinybench';
import { alternate, pairedResult } from './alternate.js';
import type { BenchConfig } from './config.js';
import type { Matcher } from './filter.js';
import type { WorkerPool, WorkerSetup } from './pool.js';
import type { ContentionResult, PairedResult } from './results.js';
import { HIST_BUCKETS, jain, maxMinShare, percentile } from './stats.js';

export interface LockCounts {
  readonly acquisitions: number;
  readonly contended: number;
}

export interface PreparedContender {
  setupFor(index: number): WorkerSetup;
  /** Inside every throughput round, before the workers start (keep it cheap: it is timed). */
  beforeRound?(): void;
  /** Inside every throughput round, after the workers finish; `expected` = threads x ops per thread. */
  afterRound?(expected: number): void;
  /** Expected and actual counter totals over the throughput rounds so far (counter contenders). */
  counter?(): { expected: number; got: number };
  /** Cumulative lock statistics (our locks' stats()); differences over the fairness rounds give the contended fraction. */
  lockCounts?(): LockCounts;
  close?(): Promise<void> | void;
}

export interface ContenderDef {
  /** Short name; task names are `contention/<name>/<threads>t`. */
  readonly name: string;
  /** Operations per worker in the first sizing round (rounds are then sized to cfg.roundTargetMs). */
  readonly probeOps: number;
  /**
   * Operations per worker before sizing, so V8 has optimised the workers'
   * loops (run in rounds of probeOps, capped by cfg.jitWarmupMs). Tier-up
   * depends on work done, and on a busy machine the background compiler
   * lags: the first 40k-160k lock+unlock pairs of a fresh worker can run
   * 20x slower than the rest.
   */
  readonly warmOps: number;
  /** What the latency percentiles measure. */
  readonly latencyOf: string;
  /** How the contended fraction is obtained: from lock statistics, counted by the worker (V8: failed tryLock), or none. */
  readonly contention: 'lock-stats' | 'worker' | 'none';
  prepare(): Promise<PreparedContender>;
}

export function contentionName(contender: string, threads: number): string {
  return `contention/${contender}/${threads}t`;
}

/** Two contenders to measure again in alternating rounds at each thread count (see alternate). */
export interface ContentionPair {
  /** Result name at `threads`, e.g. `paired/mutex-vs-v8/4t`. */
  readonly name: (threads: number) => string;
  readonly a: string;
  readonly b: string;
}

export interface ContentionRun {
  readonly contention: ContentionResult[];
  readonly paired: PairedResult[];
}

/**
 * Measure every contender at every thread count, alternating the contenders
 * at each thread count (A@1, B@1, A@2, B@2, ...): on a shared machine the
 * background load drifts, and a ratio between two contenders should compare
 * figures taken moments apart. The workers are reconfigured before each task.
 * For each pair in `pairs`, both measured at a thread count are then run
 * once more in alternating rounds (A, B, A, B...), for a ratio that phase
 * drift of the machine cannot decide.
 */
export async function runContention(
  pool: WorkerPool,
  defs: readonly ContenderDef[],
  cfg: BenchConfig,
  matches: Matcher,
  log: (line: string) => void,
  pairs: readonly ContentionPair[] = [],
): Promise<ContentionRun> {
  const out: ContentionResult[] = [];
  const paired: PairedResult[] = [];
  const prepared = new Map<ContenderDef, PreparedContender>();
  try {
    for (const t of cfg.threads) {
      if (t > pool.size) continue;
      for (const def of defs) {
        if (!matches(contentionName(def.name, t))) continue;
        let p = prepared.get(def);
        if (p === undefined) prepared.set(def, (p = await def.prepare()));
        const ready = p;
        pool.configure((i) => ready.setupFor(i));
        const r = await measureOne(pool, def, ready, t, cfg);
        log(`${r.name}: ${fmt(r.opsPerSec)} ops/s, wait p99 ${r.latencyUs.p99.toFixed(1)} µs, Jain ${r.jain.toFixed(3)}`);
        out.push(r);
      }
      for (const pair of pairs) {
        const a = defs.find((d) => d.name === pair.a);
        const b = defs.find((d) => d.name === pair.b);
        const ra = out.find((r) => r.contender === pair.a && r.threads === t);
        const rb = out.find((r) => r.contender === pair.b && r.threads === t);
        const pa = a === undefined ? undefined : prepared.get(a);
        const pb = b === undefined ? undefined : prepared.get(b);
        if (ra === undefined || rb === undefined || pa === undefined || pb === undefined) continue;
        const r = await alternateContenders(pool, pair.name(t), t, [pa, ra.opsPerRound / t], [pb, rb.opsPerRound / t], cfg.pairedContentionRounds);
        log(`${r.name}: ${r.ratio.toFixed(2)} (${r.rounds} round pairs, ${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)})`);
        paired.push(r);
      }
    }
  } finally {
    for (const p of prepared.values()) await p.close?.();
  }
  return { contention: out, paired };
}

/**
 * `rounds` pairs of throughput rounds, A then B, each with the round size
 * its own task used (so no warm-up rounds: both were just measured). The
 * pair's ratio is B's time per operation over A's (so A's ops/s over B's).
 */
async function alternateContenders(pool: WorkerPool, name: string, threads: number, a: [PreparedContender, number], b: [PreparedContender, number], rounds: number): Promise<PairedResult> {
  const side = ([p, k]: [PreparedContender, number]): number => {
    pool.configure((i) => p.setupFor(i));
    const t0 = performance.now();
    p.beforeRound?.();
    pool.runCount(threads, k);
    p.afterRound?.(threads * k);
    return ((performance.now() - t0) * 1e6) / (threads * k);
  };
  const what = `${threads} threads; A and B each run one throughput round of their own size in turn (workers reconfigured in between), ${rounds} times; ratio B / A (A's ops/s over B's)`;
  return pairedResult(name, what, await alternate(rounds, () => side(a), () => side(b), 0));
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

/** Most operations per worker in one round, whatever the sizing says. */
const MAX_OPS_PER_THREAD = 50_000_000;

/**
 * Ops per worker so that one round lasts about `targetMs`: a round must be
 * long against the time it takes to wake the workers (tens of µs each, more
 * when threads outnumber cores), or it measures the wake-up, and the racy
 * counter's threads would barely overlap.
 */
function sizeRounds(pool: WorkerPool, def: ContenderDef, p: PreparedContender, threads: number, cfg: BenchConfig): number {
  const targetMs = cfg.roundTargetMs;
  const round = (k: number): number => {
    const t0 = performance.now();
    p.beforeRound?.();
    pool.runCount(threads, k);
    p.afterRound?.(threads * k);
    return performance.now() - t0;
  };
  // The first rounds run the workers' loops in V8's interpreter: sizing on
  // them would make every later round far too short. Warm up first, then
  // take the faster of two rounds at each size (a preempted round is slow).
  const warmUntil = performance.now() + cfg.jitWarmupMs;
  for (let done = 0; done < def.warmOps && performance.now() < warmUntil; done += def.probeOps) round(def.probeOps);
  // Then converge on a round of about targetMs, by at most 8x per step (a
  // short round is mostly wake-up time, so one step from it undershoots).
  let k = def.probeOps;
  for (let step = 0; step < 10; step++) {
    const ms = Math.max(1e-3, Math.min(round(k), round(k)));
    if (process.env['BENCH_DEBUG'] !== undefined) process.stderr.write(`size ${def.name}/${threads}t: k=${k} ${ms.toFixed(2)} ms\n`);
    if ((ms >= targetMs / 2 && ms <= targetMs * 2) || (k >= MAX_OPS_PER_THREAD && ms < targetMs)) break;
    k = Math.max(1, Math.round(Math.min(MAX_OPS_PER_THREAD, k * 8, Math.max(k / 8, (k * targetMs) / ms))));
  }
  return k;
}

function fraction(before: LockCounts | undefined, after: LockCounts | undefined): number | null {
  if (before === undefined || after === undefined) return null;
  const acq = after.acquisitions - before.acquisitions;
  return acq === 0 ? 0 : (after.contended - before.contended) / acq;
}

async function measureOne(pool: WorkerPool, def: ContenderDef, p: PreparedContender, threads: number, cfg: BenchConfig): Promise<ContentionResult> {
  const name = contentionName(def.name, threads);
  const perThread = sizeRounds(pool, def, p, threads, cfg);
  const before = p.counter?.();
  const locksBeforeRounds = p.lockCounts?.();

  // Throughput: one tinybench task, one round of all workers per iteration.
  const bench = new Bench({ time: cfg.roundTimeMs, warmupTime: cfg.roundWarmupMs, iterations: cfg.roundMinIterations, warmupIterations: 1, throws: true });
  bench.add(name, () => {
    p.beforeRound?.();
    pool.runCount(threads, perThread);
    p.afterRound?.(threads * perThread);
  }, { async: false });
  await bench.run();
  const r = bench.tasks[0]?.result;
  if (r === undefined || r.state !== 'completed') throw new Error(`${name}: tinybench task ${r?.state ?? 'missing'}`);
  const after = p.counter?.();
  const contendedInRounds = fraction(locksBeforeRounds, p.lockCounts?.());

  // Fairness: fixed-duration rounds, every thread until the one stop flag.
  const locksBefore = p.lockCounts?.();
  const counts = new Array<number>(threads).fill(0);
  const hist = new Float64Array(HIST_BUCKETS);
  let maxNs = 0;
  let contended = 0;
  let elapsedMs = 0;
  for (let round = 0; round < cfg.fairRounds; round++) {
    const tr = pool.runTimed(threads, cfg.fairDurationMs);
    tr.perThread.forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
    for (let b = 0; b < HIST_BUCKETS; b++) hist[b] = (hist[b] ?? 0) + (tr.hist[b] ?? 0);
    maxNs = Math.max(maxNs, tr.maxNs);
    contended += tr.contended;
    elapsedMs += tr.elapsedMs;
  }
  const locksAfter = p.lockCounts?.();
  const total = counts.reduce((a, b) => a + b, 0);
  let contendedFraction: number | null = null;
  if (def.contention === 'worker') contendedFraction = total === 0 ? 0 : contended / total;
  if (def.contention === 'lock-stats') contendedFraction = fraction(locksBefore, locksAfter);
  const us = (ns: number): number => ns / 1000;
  return {
    name,
    contender: def.name,
    threads,
    opsPerSec: (threads * perThread * 1000) / r.latency.p50,
    meanOpsPerSec: (threads * perThread * 1000) / r.latency.mean,
    rme: r.latency.rme,
    rounds: r.latency.samplesCount,
    opsPerRound: threads * perThread,
    latencyUs: { p50: us(percentile(hist, 0.5, maxNs)), p99: us(percentile(hist, 0.99, maxNs)), max: us(maxNs) },
    latencyOf: def.latencyOf,
    contendedFraction,
    contendedInRounds,
    fairOpsPerSec: elapsedMs === 0 ? 0 : (total * 1000) / elapsedMs,
    perThreadOps: counts,
    jain: jain(counts),
    maxMinShare: maxMinShare(counts),
    ...(before !== undefined && after !== undefined ? { counter: { expected: after.expected - before.expected, got: after.got - before.got } } : {}),
  };
}
