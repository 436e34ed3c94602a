/** The ratios of issue 4, computed from one run's figures, and how they compare with their targets. */
import type { BenchConfig } from './config.js';
import { contentionName } from './contention.js';
import { PAIRED_MUTEX, mutexVsV8Name, perJobVsGlobalName } from './protocol.js';
import { PAIR_LOCK_CAS, PAIR_STORE_COMLINK } from './paired.js';
import type { ContentionResult, PairedResult, Ratios, SingleResult } from './results.js';
import { COLD_LINE, STORE_OPS, capacityLabel, storeFloorName, storeSizesName } from './store-ops.js';

function byName<T extends { name: string }>(xs: readonly T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.name, x]));
}

function div(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : a / b;
}

export function computeRatios(cfg: BenchConfig, single: readonly SingleResult[], contention: readonly ContentionResult[], paired: readonly PairedResult[]): Ratios {
  const pair = (name: string): number | null => paired.find((p) => p.name === name)?.ratio ?? null;
  const s = byName(single);
  const c = byName(contention);
  const ops = (contender: string, t: number): number | undefined => c.get(contentionName(contender, t))?.opsPerSec;
  const perThread = (f: (t: number) => number | null): Record<string, number | null> =>
    Object.fromEntries(cfg.threads.map((t) => [String(t), f(t)]));
  const jainTable: Record<string, Record<string, number>> = {};
  for (const r of contention) (jainTable[r.contender] ??= {})[String(r.threads)] = r.jain;
  const small = capacityLabel(Math.min(...cfg.storeCapacities));
  const large = capacityLabel(Math.max(...cfg.storeCapacities));
  // What the large store adds to an op, in cold accesses per job touched:
  // from the alternating rounds where measured (the op's extra time over the
  // extra time of one cold access per job in the same rounds), else from the
  // separate tasks.
  const coldLines = (op: string): number | null => {
    const sizes = paired.find((p) => p.name === storeSizesName(op));
    const floor = paired.find((p) => p.name === storeFloorName(op));
    if (sizes !== undefined && floor !== undefined) return div(sizes.bNsPerOp - sizes.aNsPerOp, floor.bNsPerOp - floor.aNsPerOp);
    return div(extra(op), extra(COLD_LINE));
  };
  const extra = (op: string): number | undefined => {
    const a = s.get(`single/store-${large}/${op}`)?.nsPerOp;
    const b = s.get(`single/store-${small}/${op}`)?.nsPerOp;
    return a === undefined || b === undefined ? undefined : a - b;
  };
  return {
    lockVsCasPair: div(s.get('single/mutex-lock-unlock')?.minNsPerOp, s.get('single/cas-store-pair')?.minNsPerOp),
    lockVsCasPairMedian: div(s.get('single/mutex-lock-unlock')?.nsPerOp, s.get('single/cas-store-pair')?.nsPerOp),
    lockVsCasPairPaired: pair(PAIR_LOCK_CAS),
    mutexVsV8: perThread((t) => pair(mutexVsV8Name(t))),
    // Prefer our Mutex as measured beside V8's in the same child process, moments apart.
    mutexVsV8Separate: perThread((t) => div(ops(PAIRED_MUTEX, t) ?? ops('mutex', t), ops('v8-mutex', t))),
    updateStatusVsComlink: pair(PAIR_STORE_COMLINK),
    updateStatusVsComlinkContended: perThread((t) => div(ops('store-perjob-distinct', t), ops('comlink', t))),
    updateStatusVsComlinkSeparate: div(s.get(`single/store-${small}/updateStatus`)?.opsPerSec, s.get('single/comlink-updateStatus')?.opsPerSec),
    perJobVsGlobal: perThread((t) => pair(perJobVsGlobalName(t))),
    perJobVsGlobalSeparate: perThread((t) => div(ops('store-perjob-distinct', t), ops('store-global-distinct', t))),
    jain: jainTable,
    storeLargeVsSmall: Object.fromEntries(STORE_OPS.map((op) => [op, pair(storeSizesName(op))])),
    storeLargeVsSmallSeparate: Object.fromEntries(STORE_OPS.map((op) => [op, div(s.get(`single/store-${large}/${op}`)?.nsPerOp, s.get(`single/store-${small}/${op}`)?.nsPerOp)])),
    storeLargeExtraColdLines: Object.fromEntries(STORE_OPS.map((op) => [op, coldLines(op)])),
    storeLargeVsSmallFloor: Object.fromEntries(STORE_OPS.map((op) => [op, pair(storeFloorName(op))])),
  };
}

export interface TargetCheck {
  readonly ratio: string;
  readonly value: number | null;
  readonly target: string;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

/** A target: how the report prints it, and whether a value meets it. */
interface Target {
  readonly text: string;
  readonly ok: (v: number) => boolean;
}

const atMost = (limit: number, text = `<= ${limit}`): Target => ({ text, ok: (v) => v <= limit });
const atLeast = (limit: number, text = `>= ${limit}`): Target => ({ text, ok: (v) => v >= limit });

const LOCK_VS_CAS = atMost(1.5);
const MUTEX_VS_V8 = atLeast(1, '>= 1.0');
const VS_COMLINK = atLeast(100);
const PER_JOB = atLeast(1.5);
const JAIN = atLeast(0.9);
const LARGE_VS_SMALL = atMost(1.3);

function check(ratio: string, value: number | null | undefined, t: Target): TargetCheck {
  const v = value ?? null;
  return { ratio, value: v, target: t.text, met: v === null ? null : t.ok(v) };
}

/** One row per key of `values` (thread count or op), named by `label`. */
function checkEach(label: (key: string) => string, values: Record<string, number | null> | undefined, t: Target): TargetCheck[] {
  return Object.entries(values ?? {}).map(([k, v]) => check(label(k), v, t));
}

/** Every target of issue 4, one row per figure. */
export function checkTargets(r: Ratios): TargetCheck[] {
  return [
    check('lockVsCasPair (fastest batches)', r.lockVsCasPair, LOCK_VS_CAS),
    check('lockVsCasPair (median batches)', r.lockVsCasPairMedian, LOCK_VS_CAS),
    check('lockVsCasPair (alternating rounds)', r.lockVsCasPairPaired, LOCK_VS_CAS),
    ...checkEach((t) => `mutexVsV8 @${t} (alternating rounds)`, r.mutexVsV8, MUTEX_VS_V8),
    ...checkEach((t) => `mutexVsV8 @${t} (separate tasks)`, r.mutexVsV8Separate, MUTEX_VS_V8),
    check('updateStatusVsComlink (alternating rounds)', r.updateStatusVsComlink, VS_COMLINK),
    check('updateStatusVsComlink (separate tasks)', r.updateStatusVsComlinkSeparate, VS_COMLINK),
    ...checkEach((t) => `updateStatusVsComlink @${t} (worker threads, per-job distinct)`, r.updateStatusVsComlinkContended, VS_COMLINK),
    check('perJobVsGlobal @2 (distinct, alternating rounds)', r.perJobVsGlobal['2'], PER_JOB),
    check('perJobVsGlobal @2 (distinct, separate tasks)', r.perJobVsGlobalSeparate?.['2'], PER_JOB),
    ...['4', '8'].map((t) => check(`jain mutex @${t}`, r.jain['mutex']?.[t], JAIN)),
    ...checkEach((op) => `store 1m/1k ${op} (alternating rounds)`, r.storeLargeVsSmall, LARGE_VS_SMALL),
    ...checkEach((op) => `store 1m/1k ${op} (separate tasks)`, r.storeLargeVsSmallSeparate, LARGE_VS_SMALL),
  ];
}
