import type { PgBenchResult } from './postgres-bench.js';
import type { BenchConfig } from './config.js';

/** The shape of every figure the benchmark produces (stdout table, latest.json, chart). */

export interface SingleResult {
  /** Stable name, e.g. `single/mutex-lock-unlock`; what --filter matches. */
  readonly name: string;
  /** Time of one operation, ns: the median tinybench iteration / ops per iteration. */
  readonly nsPerOp: number;
  /** The same from the mean iteration (preempted iterations weigh in). */
  readonly meanNsPerOp: number;
  /** The same from the fastest iteration: the cost with no interference at all. */
  readonly minNsPerOp: number;
  /** p99 over tinybench iterations, per operation, ns. */
  readonly p99NsPerOp: number;
  readonly opsPerSec: number;
  /** Relative margin of error of the mean, percent (tinybench rme). */
  readonly rme: number;
  /** tinybench iterations measured. */
  readonly samples: number;
  /** Operations per tinybench iteration. */
  readonly opsPerIteration: number;
  /** What exactly one operation is. */
  readonly what: string;
}

/** Two contenders timed in alternating rounds (paired.ts). */
export interface PairedResult {
  readonly name: string;
  readonly rounds: number;
  /** Median over rounds of side A's ns per operation. */
  readonly aNsPerOp: number;
  /** Median over rounds of side B's ns per operation. */
  readonly bNsPerOp: number;
  /** Median over rounds of (B ns / A ns) within the round. */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly what: string;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface ContentionResult {
  /** `contention/<contender>/<threads>t`. */
  readonly name: string;
  readonly contender: string;
  readonly threads: number;
  /** Aggregate throughput of the tinybench rounds: threads x ops per thread / median round time. */
  readonly opsPerSec: number;
  /** The same from the mean round time. */
  readonly meanOpsPerSec: number;
  readonly rme: number;
  readonly rounds: number;
  readonly opsPerRound: number;
  /** Per-operation latency in the fairness rounds (lock wait for locks, whole call otherwise), µs. */
  readonly latencyUs: Percentiles;
  /** What the latency covers. */
  readonly latencyOf: string;
  /** Contended acquisitions / acquisitions in the fairness rounds; null when the contender has no lock. */
  readonly contendedFraction: number | null;
  /** The same in the throughput rounds (tight loops, no timer reads), from our locks' stats(); null for V8 (it keeps no statistics). */
  readonly contendedInRounds: number | null;
  /** Aggregate ops/s over the fairness rounds (with a timer read around every op). */
  readonly fairOpsPerSec: number;
  /** Operations per worker, summed over the fairness rounds. */
  readonly perThreadOps: readonly number[];
  /** Jain's fairness index over perThreadOps: 1 = equal, 1/n = one thread did everything. */
  readonly jain: number;
  /** Largest / smallest per-thread share; null when some thread did nothing (starved). */
  readonly maxMinShare: number | null;
  /** Racy and locked counters: what the throughput rounds should have counted and what they counted. */
  readonly counter?: { readonly expected: number; readonly got: number };
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly totalMemGiB: number;
  readonly loadAvg: readonly number[];
  readonly platform: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
}

export interface Ratio {
  readonly value: number | null;
  readonly target: string;
  readonly met: boolean | null;
}

export interface Ratios {
  /**
   * Our uncontended lock+unlock time / bare compareExchange+store pair time,
   * from the fastest 1,000-op batch of each (two tasks measured at different
   * moments of a noisy machine compare best on their undisturbed cost). Target <= 1.5.
   */
  readonly lockVsCasPair: number | null;
  /** The same from the median batches. */
  readonly lockVsCasPairMedian: number | null;
  /** The same in alternating rounds (paired.ts): the median of the per-round ratios. */
  readonly lockVsCasPairPaired: number | null;
  /**
   * Our Mutex contended ops/s / V8 Atomics.Mutex ops/s, per thread count,
   * from alternating rounds of the two in the --harmony-struct child
   * (`paired/mutex-vs-v8/<N>t`, median of the round pairs). Target >= 1.
   */
  readonly mutexVsV8: Record<string, number | null>;
  /** The same from the two separate tinybench tasks (`mutex-beside-v8` and `v8-mutex`). */
  readonly mutexVsV8Separate: Record<string, number | null>;
  /**
   * comlink baseline updateStatus time / store updateStatus time (single
   * thread), the median of the per-round ratios of the paired measurement
   * (paired.ts). Target >= 100.
   */
  readonly updateStatusVsComlink: number | null;
  /** The same from the two separate tinybench tasks' medians (measured at different moments). */
  readonly updateStatusVsComlinkSeparate: number | null;
  /** From worker threads: `store-perjob-distinct` ops/s / `comlink` ops/s, per thread count. */
  readonly updateStatusVsComlinkContended: Record<string, number | null>;
  /**
   * per-job / global store.updateStatus ops/s on distinct jobs, per thread
   * count, from alternating rounds (`paired/perjob-vs-global/<N>t`). Target >= 1.5 at 2.
   */
  readonly perJobVsGlobal: Record<string, number | null>;
  /** The same from the two separate tinybench tasks. */
  readonly perJobVsGlobalSeparate: Record<string, number | null>;
  /** Jain's index per contender and thread count. Target >= 0.9 for mutex at 4 and 8. */
  readonly jain: Record<string, Record<string, number>>;
  /**
   * Store op time at the largest capacity / at the smallest, per op, from
   * alternating rounds (`paired/store-large-vs-small/<op>`). Target <= 1.3.
   */
  readonly storeLargeVsSmall: Record<string, number | null>;
  /** The same from the separate tinybench tasks' medians. */
  readonly storeLargeVsSmallSeparate: Record<string, number | null>;
  /**
   * What the larger capacity adds to each op, counted in cold accesses per
   * job touched: from the alternating rounds, (op at large - op at small) /
   * (the floor's one cold access per job: `paired/store-one-cold-access/<op>`
   * B - A); without them, from the separate tasks, (op at large - op at
   * small) / (cold-line at large - cold-line at small), per call.
   * Informative: how many cache/TLB misses the op's extra time amounts to.
   */
  readonly storeLargeExtraColdLines: Record<string, number | null>;
  /**
   * The least `storeLargeVsSmall` could be for an op that touches one cold
   * line per job at the largest capacity: (op at small + one cold access per
   * job) / (op at small), from the same alternating rounds
   * (`paired/store-one-cold-access/<op>`).
   * Where it is above the target, no store that keeps a random job's state
   * in memory of that size can meet the target on this machine.
   */
  readonly storeLargeVsSmallFloor?: Record<string, number | null>;
}

export interface Results {
  readonly format: 'atomic-jobs-bench/1';
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly filter: string | null;
  readonly durationSec: number;
  readonly config: BenchConfig;
  readonly machine: MachineInfo;
  readonly single: SingleResult[];
  readonly contention: ContentionResult[];
  /** Pairs measured in alternating rounds (paired.ts); those filtered out are absent. */
  readonly paired: PairedResult[];
  readonly ratios: Ratios;
  /** PostgreSQL store (`@atomic-jobs/postgres`), ops/s at 1, 4 and 16 clients; null when skipped. */
  readonly postgres: PgBenchResult | null;
  readonly notes: string[];
}
