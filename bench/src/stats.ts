/**
 * Statistics over shared-memory histograms: a log-linear latency histogram
 * (exact below 32 ns, then 16 buckets per power of two, about 6 % wide)
 * that a worker fills with plain stores and the main thread merges, plus
 * the fairness figures (Jain's index, max/min share).
 */

/** Buckets below this are one nanosecond wide. */
const LINEAR = 32;
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** 32 exact buckets + 16 per power of two from 2^5 to 2^31 ns (~2.1 s; longer values land in the last bucket). */
export const HIST_BUCKETS = LINEAR + (31 - 5 + 1) * SUB;

/** Bucket of a latency in nanoseconds. */
export function bucketOf(ns: number): number {
  if (ns < LINEAR) return ns < 0 ? 0 : ns | 0;
  if (ns >= 2 ** 31) return HIST_BUCKETS - 1;
  const v = ns >>> 0;
  const e = 31 - Math.clz32(v);
  return LINEAR + (e - 5) * SUB + ((v >>> (e - SUB_BITS)) & (SUB - 1));
}

/** Middle of a bucket, in nanoseconds. */
export function bucketMid(b: number): number {
  if (b < LINEAR) return b;
  const e = ((b - LINEAR) >> SUB_BITS) + 5;
  const sub = (b - LINEAR) & (SUB - 1);
  const lo = (SUB + sub) * 2 ** (e - SUB_BITS);
  return lo + 2 ** (e - SUB_BITS) / 2;
}

/** Add `src` into `into` (both HIST_BUCKETS long). */
export function mergeInto(into: Float64Array, src: Uint32Array): void {
  for (let i = 0; i < HIST_BUCKETS; i++) into[i] = (into[i] ?? 0) + (src[i] ?? 0);
}

/** The value below which a fraction `q` (0..1) of the samples lie, in ns; capped at the exact maximum. */
export function percentile(hist: Float64Array, q: number, maxNs: number): number {
  let total = 0;
  for (let i = 0; i < HIST_BUCKETS; i++) total += hist[i] ?? 0;
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i] ?? 0;
    if (seen >= rank) return Math.min(bucketMid(i), maxNs);
  }
  return maxNs;
}

/** Jain's fairness index: (Σx)² / (n·Σx²). 1 when all equal; 1/n when one does everything. */
export function jain(xs: readonly number[]): number {
  let sum = 0;
  let sq = 0;
  for (const x of xs) {
    sum += x;
    sq += x * x;
  }
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

/** Largest share / smallest share; null when some thread did nothing. */
export function maxMinShare(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const min = Math.min(...xs);
  return min === 0 ? null : Math.max(...xs) / min;
}

/**
 * Records latencies into one worker's histogram region (a view of shared
 * memory only this worker writes while a round runs; the main thread reads it
 * after the round's CTL_DONE handshake, whose seq_cst add/load orders these
 * plain stores before the read).
 */
export class Recorder {
  maxNs = 0;

  constructor(private readonly counts: Uint32Array) {}

  /** One latency, in milliseconds as performance.now() differences give it. */
  record(ms: number): void {
    const ns = ms * 1e6;
    const b = bucketOf(ns);
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    if (ns > this.maxNs) this.maxNs = ns;
  }

  reset(): void {
    this.counts.fill(0);
    this.maxNs = 0;
  }
}
