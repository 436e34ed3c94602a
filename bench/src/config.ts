/** How long and how hard each part runs, for the full run and for `--quick`. */
export interface BenchConfig {
  readonly quick: boolean;
  /** Thread counts of the contention part. */
  readonly threads: readonly number[];
  /** tinybench time budget per single-thread task, ms. */
  readonly singleTimeMs: number;
  readonly singleWarmupMs: number;
  /** Operations per tinybench iteration for nanosecond-scale bodies (one timer read per batch, not per op). */
  readonly microBatch: number;
  /** Store operations per tinybench iteration. */
  readonly storeBatch: number;
  /** Store capacities of the single-thread store tasks. */
  readonly storeCapacities: readonly number[];
  /** tinybench time budget per contention task (one task per contender and thread count), ms. */
  readonly roundTimeMs: number;
  readonly roundWarmupMs: number;
  /** Minimum rounds per contention task. */
  readonly roundMinIterations: number;
  /** Longest JIT warm-up of a contention task before its rounds are sized, ms. */
  readonly jitWarmupMs: number;
  /** Each contention task first sizes its rounds (ops per thread) so that one round lasts about this long, ms. */
  readonly roundTargetMs: number;
  /** Fixed-duration fairness rounds per contender and thread count. */
  readonly fairRounds: number;
  readonly fairDurationMs: number;
  /**
   * Alternating rounds of each single-thread pair (paired.ts, store-ops.ts).
   * This machine's speed phases last seconds, so a pair measured within a
   * second can fall entirely inside one; more rounds spread each pair over
   * more of them.
   */
  readonly pairedRounds: number;
  /** Alternating round pairs per thread count of the contention pairs (mutexVsV8, perJobVsGlobal). */
  readonly pairedContentionRounds: number;
}

const FULL: BenchConfig = {
  quick: false,
  threads: [1, 2, 4, 8],
  singleTimeMs: 600,
  singleWarmupMs: 150,
  microBatch: 1000,
  storeBatch: 100,
  storeCapacities: [1_000, 1_000_000],
  roundTimeMs: 600,
  roundWarmupMs: 100,
  roundMinIterations: 5,
  roundTargetMs: 40,
  jitWarmupMs: 600,
  fairRounds: 3,
  fairDurationMs: 300,
  pairedRounds: 240,
  pairedContentionRounds: 60,
};

const QUICK: BenchConfig = {
  ...FULL,
  quick: true,
  singleTimeMs: 120,
  singleWarmupMs: 30,
  roundTimeMs: 100,
  roundWarmupMs: 20,
  roundMinIterations: 3,
  roundTargetMs: 15,
  jitWarmupMs: 250,
  fairRounds: 1,
  fairDurationMs: 120,
  pairedRounds: 12,
  pairedContentionRounds: 6,
};

export function configFor(quick: boolean): BenchConfig {
  return quick ? QUICK : FULL;
}
