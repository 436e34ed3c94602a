/**
 * The Go system's job-processing scenario, as data and rules shared by the
 * main thread (set-up, expected figures, verification) and the workers.
 *
 * Failure rule (deterministic, no randomness): job i fails its first
 * `i % failCycle` attempts and succeeds on the next one. With maxRetries R,
 * job i therefore ends `completed` after f + 1 attempts when f = i % failCycle
 * is below R, and permanently `failed` after exactly R attempts otherwise.
 */
import { InvalidArgumentError } from '@atomic-jobs/store';
import type { JobCounts, JobSnapshot } from '@atomic-jobs/store';

export interface JobScenarioOptions {
  /**
   * Jobs the producer creates.
   * @default 2000
   */
  jobs?: number | undefined;
  /**
   * Attempts each job gets (the store's maxRetries).
   * @default 3
   */
  maxRetries?: number | undefined;
  /**
   * Job i fails its first `i % failCycle` attempts.
   * @default maxRetries + 1 (so some jobs complete at every attempt and some fail for good)
   */
  failCycle?: number | undefined;
  /**
   * Simulated CPU work per attempt, in loop iterations.
   * @default 500
   */
  workIterations?: number | undefined;
  /**
   * The sweeper calls retryFailed at least once every this many of its own attempts (and whenever it finds nothing to claim).
   * @default 32
   */
  sweepEvery?: number | undefined;
}

export type JobScenarioConfig = Required<{ [K in keyof JobScenarioOptions]: NonNullable<JobScenarioOptions[K]> }>;

export function jobScenarioConfig(options: JobScenarioOptions = {}): JobScenarioConfig {
  const int = (name: keyof JobScenarioOptions, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`options.${name}`, `an integer >= ${min}`, value);
    return value;
  };
  const maxRetries = int('maxRetries', options.maxRetries ?? 3, 1);
  return {
    jobs: int('jobs', options.jobs ?? 2000, 1),
    maxRetries,
    failCycle: int('failCycle', options.failCycle ?? maxRetries + 1, 1),
    workIterations: int('workIterations', options.workIterations ?? 500, 0),
    sweepEvery: int('sweepEvery', options.sweepEvery ?? 32, 1),
  };
}

export function jobId(prefix: string, index: number): string {
  return `${prefix}${index}`;
}

/** Whether attempt `attempt` (1-based) of job `index` fails under the rule. */
export function attemptFails(config: JobScenarioConfig, index: number, attempt: number): boolean {
  return attempt <= index % config.failCycle;
}

/** The message a failing attempt writes as lastError. */
export function failureMessage(index: number, attempt: number): string {
  return `simulated failure: job ${index}, attempt ${attempt}`;
}

export interface JobOutcome {
  readonly status: 'completed' | 'failed';
  readonly attempts: number;
}

export function expectedOutcome(config: JobScenarioConfig, index: number): JobOutcome {
  const f = index % config.failCycle;
  return f < config.maxRetries ? { status: 'completed', attempts: f + 1 } : { status: 'failed', attempts: config.maxRetries };
}

export interface ExpectedJobRun {
  readonly counts: JobCounts;
  /** Attempts processed in total (every claim). */
  readonly attempts: number;
  /** Attempts that failed (updateStatus failed). */
  readonly failedAttempts: number;
}

export function expectedJobRun(config: JobScenarioConfig): ExpectedJobRun {
  const counts: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: config.jobs };
  let attempts = 0;
  let failedAttempts = 0;
  for (let i = 0; i < config.jobs; i++) {
    const o = expectedOutcome(config, i);
    counts[o.status]++;
    attempts += o.attempts;
    failedAttempts += o.status === 'completed' ? o.attempts - 1 : o.attempts;
  }
  return { counts, attempts, failedAttempts };
}

/** Simulated CPU work that the optimiser cannot remove (the result is returned). */
export function spin(iterations: number, seed = 1): number {
  let x = seed | 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

/** What one worker did in one run. */
export interface JobWorkerResult {
  readonly worker: number;
  /** (job index, attempt) pairs this worker processed, flattened. */
  readonly processed: Int32Array;
  readonly created: number;
  readonly completed: number;
  readonly failedAttempts: number;
  readonly swept: number;
  /** performance.timeOrigin + now() when the gate opened / when the worker stopped. */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Refusals seen (must be 0: a claim is exclusive, so no update should be stale or invalid). */
  readonly refusals: readonly string[];
  /** Result of the simulated work, returned so the optimiser must do it. */
  readonly workChecksum: number;
}

export interface JobRunReport {
  readonly expected: ExpectedJobRun;
  readonly counts: JobCounts;
  readonly attempts: number;
  readonly failedAttempts: number;
  readonly elapsedMs: number;
  /** Attempts (claim + work + updateStatus) per second, over all workers. */
  readonly attemptsPerSec: number;
  /** Every broken rule, in words; empty when the run is correct. */
  readonly problems: readonly string[];
}

/** Check a run against the rule: exact counts, every attempt processed exactly once, attempts within maxRetries. */
export function verifyJobRun(
  config: JobScenarioConfig,
  prefix: string,
  results: readonly JobWorkerResult[],
  finals: readonly JobSnapshot[],
  counts: JobCounts,
): JobRunReport {
  const expected = expectedJobRun(config);
  const problems: string[] = [];
  const seen = new Set<number>();
  const stride = config.maxRetries + 1;
  let attempts = 0;
  let failedAttempts = 0;
  for (const r of results) {
    failedAttempts += r.failedAttempts;
    for (const msg of r.refusals) problems.push(`worker ${r.worker}: ${msg}`);
    for (let k = 0; k < r.processed.length; k += 2) {
      const index = r.processed[k] ?? -1;
      const attempt = r.processed[k + 1] ?? -1;
      attempts++;
      if (attempt < 1 || attempt > config.maxRetries) problems.push(`job ${index} processed at attempt ${attempt} (maxRetries ${config.maxRetries})`);
      const key = index * stride + attempt;
      if (seen.has(key)) problems.push(`job ${index} attempt ${attempt} processed twice`);
      seen.add(key);
    }
  }
  const byId = new Map(finals.map((s) => [s.id, s]));
  for (let i = 0; i < config.jobs; i++) {
    const want = expectedOutcome(config, i);
    const got = byId.get(jobId(prefix, i));
    if (got === undefined) problems.push(`job ${i} missing from the store`);
    else if (got.status !== want.status || got.attempts !== want.attempts) {
      problems.push(`job ${i}: ${got.status} after ${got.attempts} attempts, expected ${want.status} after ${want.attempts}`);
    }
    for (let a = 1; a <= want.attempts; a++) if (!seen.has(i * stride + a)) problems.push(`job ${i} attempt ${a} never processed`);
  }
  for (const k of ['pending', 'processing', 'completed', 'failed', 'total'] as const) {
    if (counts[k] !== expected.counts[k]) problems.push(`counts.${k} = ${counts[k]}, expected ${expected.counts[k]}`);
  }
  if (attempts !== expected.attempts) problems.push(`${attempts} attempts processed, expected ${expected.attempts}`);
  if (failedAttempts !== expected.failedAttempts) problems.push(`${failedAttempts} failed attempts, expected ${expected.failedAttempts}`);
  const start = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.finishedAt));
  const elapsedMs = Math.max(end - start, 1e-3);
  return { expected, counts, attempts, failedAttempts, elapsedMs, attemptsPerSec: (attempts / elapsedMs) * 1000, problems: problems.slice(0, 50) };
}
