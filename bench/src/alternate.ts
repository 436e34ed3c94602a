/**
 * Two sides of a ratio measured in alternating rounds (A, B, A, B...), each
 * round a few milliseconds, and the median of the per-round ratios: the
 * machine's phase drift (seconds long, up to 2x) then affects both sides of
 * every round alike. Used by paired.ts, store-ops.ts and contention.ts.
 */
import type { PairedResult } from './results.js';

/** Rounds thrown away first (JIT, first messages). */
const WARMUP_ROUNDS = 3;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
}

/** One side: ns per operation over one round (the median of its batches in the round). */
export type Side = () => number | Promise<number>;

export interface Rounds {
  readonly aNs: number[];
  readonly bNs: number[];
  readonly ratios: number[];
}

/**
 * Time `n` calls of `fn` (each `ops` operations); the median call, in ns per
 * op. `before` and `after` run around each call, untimed.
 */
export function batches(n: number, ops: number, fn: () => void, before?: () => void, after?: () => void): number {
  const times: number[] = [];
  for (let b = 0; b < n; b++) {
    before?.();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    after?.();
  }
  return (median(times) * 1e6) / ops;
}

/** `rounds` rounds of A then B, after `warmup` rounds that are thrown away. */
export async function alternate(rounds: number, a: Side, b: Side, warmup = WARMUP_ROUNDS): Promise<Rounds> {
  const aNs: number[] = [];
  const bNs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const x = await a();
    const y = await b();
    if (round < warmup) continue;
    aNs.push(x);
    bNs.push(y);
    ratios.push(y / x);
  }
  return { aNs, bNs, ratios };
}

/** The result of rounds: both sides' medians, the median ratio B / A and its range. */
export function pairedResult(name: string, what: string, r: Rounds): PairedResult {
  return {
    name,
    rounds: r.ratios.length,
    aNsPerOp: median(r.aNs),
    bNsPerOp: median(r.bNs),
    ratio: median(r.ratios),
    ratioMin: Math.min(...r.ratios),
    ratioMax: Math.max(...r.ratios),
    what,
  };
}
