/** One single-thread tinybench task, turned into a SingleResult (per-operation figures). */
import { Bench, type Fn } from 'tinybench';
import type { BenchConfig } from './config.js';
import type { SingleResult } from './results.js';

export interface MeasureOptions {
  /** Operations one call of `fn` performs. */
  readonly ops: number;
  /** What one operation is, for the report. */
  readonly what: string;
  readonly async?: boolean;
  /** Untimed, before / after every iteration. */
  readonly beforeEach?: () => void;
  readonly afterEach?: () => void;
}

export async function measure(cfg: BenchConfig, name: string, fn: Fn, o: MeasureOptions): Promise<SingleResult> {
  const bench = new Bench({ time: cfg.singleTimeMs, warmupTime: cfg.singleWarmupMs, iterations: 10, throws: true });
  bench.add(name, fn, {
    async: o.async ?? false,
    ...(o.beforeEach === undefined ? {} : { beforeEach: o.beforeEach }),
    ...(o.afterEach === undefined ? {} : { afterEach: o.afterEach }),
  });
  await bench.run();
  const task = bench.tasks[0];
  const r = task?.result;
  if (r === undefined || (r.state !== 'completed')) {
    throw new Error(`${name}: tinybench task ${r?.state ?? 'missing'}${r?.state === 'errored' ? `: ${r.error.message}` : ''}`);
  }
  // The median iteration, not the mean: on a shared machine a few iterations
  // are preempted for milliseconds, which would dominate a mean.
  const median = r.latency.p50;
  return {
    name,
    nsPerOp: (median * 1e6) / o.ops,
    meanNsPerOp: (r.latency.mean * 1e6) / o.ops,
    minNsPerOp: (r.latency.min * 1e6) / o.ops,
    p99NsPerOp: (r.latency.p99 * 1e6) / o.ops,
    opsPerSec: (o.ops * 1000) / median,
    rme: r.latency.rme,
    samples: r.latency.samplesCount,
    opsPerIteration: o.ops,
    what: o.what,
  };
}
