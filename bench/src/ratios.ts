/** The ratios of issue 4, computed from one run's figures, and how they compare with their targets. */
import type { BenchConfig } from './config.js';
import { contentionName } from './contention.js';
import { PAIRED_MUTEX, mutexVsV8Name, perJobVsGlobalName } from './protocol.js';
import { PAIR_LOCK_CAS, PAIR_STORE_COMLINK } from './paired.js';
import type { ContentionResult, PairedResult, Ratios, SingleResult } from './results.js';
import { COLD_LINE, STORE_OPS, capacityLabel, storeSizesName } from './store-ops.js';

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
    storeLargeExtraColdLines: Object.fromEntries(STORE_OPS.map((op) => [op, div(extra(op), extra(COLD_LINE))])),
  };
}

export interface TargetCheck {
  readonly ratio: string;
  readonly value: number | null;
  readonly target: string;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

function check(ratio: string, value: number | null | undefined, target: string, ok: (v: number) => boolean): TargetCheck {
  const v = value ?? null;
  return { ratio, value: v, target, met: v === null ? null : ok(v) };
}

/** Every target of issue 4, one row per figure. */
export function checkTargets(r: Ratios): TargetCheck[] {
  const rows: TargetCheck[] = [
    check('lockVsCasPair (fastest batches)', r.lockVsCasPair, '<= 1.5', (v) => v <= 1.5),
    check('lockVsCasPair (median batches)', r.lockVsCasPairMedian, '<= 1.5', (v) => v <= 1.5),
    check('lockVsCasPair (paired rounds)', r.lockVsCasPairPaired, '<= 1.5', (v) => v <= 1.5),
  ];
  for (const [t, v] of Object.entries(r.mutexVsV8)) rows.push(check(`mutexVsV8 @${t} (alternating rounds)`, v, '>= 1.0', (x) => x >= 1));
  for (const [t, v] of Object.entries(r.mutexVsV8Separate ?? {})) rows.push(check(`mutexVsV8 @${t} (separate tasks)`, v, '>= 1.0', (x) => x >= 1));
  rows.push(check('updateStatusVsComlink (paired rounds)', r.updateStatusVsComlink, '>= 100', (v) => v >= 100));
  rows.push(check('updateStatusVsComlink (separate tasks)', r.updateStatusVsComlinkSeparate, '>= 100', (v) => v >= 100));
  for (const [t, v] of Object.entries(r.updateStatusVsComlinkContended ?? {})) {
    rows.push(check(`updateStatusVsComlink @${t} (worker threads, per-job distinct)`, v, '>= 100', (x) => x >= 100));
  }
  rows.push(check('perJobVsGlobal @2 (distinct, alternating rounds)', r.perJobVsGlobal['2'], '>= 1.5', (v) => v >= 1.5));
  rows.push(check('perJobVsGlobal @2 (distinct, separate tasks)', r.perJobVsGlobalSeparate?.['2'], '>= 1.5', (v) => v >= 1.5));
  for (const t of ['4', '8']) rows.push(check(`jain mutex @${t}`, r.jain['mutex']?.[t], '>= 0.9', (v) => v >= 0.9));
  for (const [op, v] of Object.entries(r.storeLargeVsSmall)) rows.push(check(`store 1m/1k ${op} (alternating rounds)`, v, '<= 1.3', (x) => x <= 1.3));
  for (const [op, v] of Object.entries(r.storeLargeVsSmallSeparate ?? {})) rows.push(check(`store 1m/1k ${op} (separate tasks)`, v, '<= 1.3', (x) => x <= 1.3));
  return rows;
}
