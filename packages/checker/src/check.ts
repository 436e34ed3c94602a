/**
 * The entry point: split the history (P-compositionality: a history is
 * linearizable iff each independent sub-history is), search each part under
 * one shared budget, and turn a failure into a readable witness.
 */
import { InvalidArgumentError } from '@atomic-jobs/store';
import { minimize, type Shrunk } from './minimize.js';
import { describeOp, renderViolation } from './render.js';
import { isUnknown, search, type SearchOutcome } from './search.js';
import {
  UNKNOWN,
  type Blocked,
  type CheckOptions,
  type CheckResult,
  type Model,
  type Operation,
  type Partition,
  type PartitionResult,
  type Verdict,
  type Violation,
} from './types.js';

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_STEPS = 50_000_000;
export const DEFAULT_MINIMIZE_MS = 5_000;

function checkOptions(options: unknown): { timeoutMs: number; maxSteps: number; minimizeMs: number } {
  if (options === undefined) return { timeoutMs: DEFAULT_TIMEOUT_MS, maxSteps: DEFAULT_MAX_STEPS, minimizeMs: DEFAULT_MINIMIZE_MS };
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an object or undefined', options);
  const o = options as Record<string, unknown>;
  const timeoutMs = o['timeoutMs'] ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError('options.timeoutMs', 'a number >= 0', timeoutMs);
  }
  const maxSteps = o['maxSteps'] ?? DEFAULT_MAX_STEPS;
  if (typeof maxSteps !== 'number' || !(maxSteps >= 0)) throw new InvalidArgumentError('options.maxSteps', 'a number >= 0', maxSteps);
  const m = o['minimize'] ?? true;
  if (typeof m !== 'boolean' && (typeof m !== 'number' || !(m >= 0))) {
    throw new InvalidArgumentError('options.minimize', 'a boolean or a number of milliseconds >= 0', m);
  }
  return { timeoutMs, maxSteps, minimizeMs: m === true ? DEFAULT_MINIMIZE_MS : m === false ? 0 : m };
}

function checkHistory(history: unknown): readonly Operation<unknown, unknown>[] {
  if (!Array.isArray(history)) throw new InvalidArgumentError('history', 'an array of operations', history);
  history.forEach((op: unknown, i) => {
    if (op === null || typeof op !== 'object') throw new InvalidArgumentError(`history[${i}]`, 'an operation object', op);
    const { call, ret } = op as Record<string, unknown>;
    if (typeof call !== 'number' || !Number.isFinite(call)) throw new InvalidArgumentError(`history[${i}].call`, 'a finite number', call);
    if (ret !== undefined && (typeof ret !== 'number' || Number.isNaN(ret) || ret < call)) {
      throw new InvalidArgumentError(`history[${i}].ret`, `undefined or a number >= call (${call})`, ret);
    }
  });
  return history as readonly Operation<unknown, unknown>[];
}

/** The operations that could be linearized next after `longest`, and which of them the model refuses there. */
function blockedAfter<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], out: SearchOutcome<S>): Blocked<I, O>[] {
  const done = new Set(out.longest);
  const rest = ops.filter((_, i) => !done.has(i));
  const firstReturn = rest.reduce((m, op) => (isUnknown(op as Operation<unknown, unknown>) ? m : Math.min(m, op.ret as number)), Infinity);
  const blocked: Blocked<I, O>[] = [];
  for (const op of rest) {
    if (op.call > firstReturn || isUnknown(op as Operation<unknown, unknown>)) continue;
    if (model.step(out.stateAfterLongest, op.input, op.output as O).ok) continue;
    const observed = describeOp(model, op).replace(/^.* -> /, '');
    blocked.push({ op, observed, expected: model.expected?.(out.stateAfterLongest, op.input) ?? 'something else' });
  }
  return blocked;
}

/**
 * Check that `history` is linearizable with respect to `model`.
 *
 * The verdict is `'ok'` only when every partition was searched to the end;
 * when the budget runs out first it is `'unknown'` (treat it as a failure in CI).
 * On `'violation'` the result carries the smallest failing sub-history found.
 */
export function check<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options?: CheckOptions): CheckResult<I, O> {
  const o = checkOptions(options);
  checkHistory(history);
  const started = performance.now();
  const deadline = started + o.timeoutMs;
  const parts: Partition<I, O>[] = model.partition !== undefined ? model.partition(history) : [{ label: 'the whole history', ops: history }];
  const notes: string[] = [];
  for (const p of parts) for (const n of p.notes ?? []) notes.push(`${p.label}: ${n}`);
  const results: PartitionResult[] = [];
  let steps = 0;
  let verdict: Verdict = 'ok';
  let violation: Violation<I, O> | undefined;

  for (const [k, p] of parts.entries()) {
    const r = search(model, p.ops, { deadline, maxSteps: Math.max(0, o.maxSteps - steps) });
    steps += r.steps;
    results.push({ label: p.label, verdict: r.verdict, operations: p.ops.length, steps: r.steps, notes: p.notes ?? [] });
    if (r.verdict === 'unknown') {
      verdict = 'unknown';
      notes.push(`${p.label}: gave up after ${r.steps} steps (budget: ${o.maxSteps} steps, ${o.timeoutMs} ms)`);
    }
    if (r.verdict === 'violation') {
      verdict = 'violation';
      if (k < parts.length - 1) notes.push(`${parts.length - 1 - k} partition(s) after the failing one were not checked`);
      violation = witness(model, p, r, o.minimizeMs, notes);
      break;
    }
  }
  return { verdict, operations: history.length, partitions: results, steps, elapsedMs: performance.now() - started, violation, notes };
}

function witness<S, I, O>(model: Model<S, I, O>, p: Partition<I, O>, r: SearchOutcome<S>, minimizeMs: number, notes: readonly string[]): Violation<I, O> {
  const shrunk: Shrunk<S, I, O> = minimizeMs > 0 ? minimize(model, p.ops, r, minimizeMs) : { ops: p.ops, outcome: r, skipped: 0 };
  const ops = [...shrunk.ops].sort((a, b) => a.call - b.call);
  // Indices of `longest` refer to shrunk.ops; map them to the sorted order.
  const index = new Map(ops.map((op, i) => [op, i]));
  const longest = shrunk.outcome.longest.map((i) => index.get(shrunk.ops[i] as Operation<I, O>) as number);
  const outcome = { ...shrunk.outcome, longest };
  const blocked = blockedAfter(model, ops, outcome);
  const parts = {
    partition: p.label,
    ops,
    originalOperations: p.ops.length,
    longest,
    stateAfterLongest: outcome.stateAfterLongest,
    blocked,
    notes: notes.filter((n) => n.startsWith(p.label)),
    skipped: shrunk.skipped,
    startStates: shrunk.startStates,
    before: shrunk.before,
  };
  const stateAfterLongest = model.describeState?.(outcome.stateAfterLongest) ?? model.hash(outcome.stateAfterLongest);
  const startStates = shrunk.startStates?.map((st) => model.describeState?.(st) ?? model.hash(st));
  return { partition: p.label, ops, originalOperations: p.ops.length, skipped: shrunk.skipped, startStates, longest, stateAfterLongest, blocked, text: renderViolation(model, parts) };
}

export { UNKNOWN };
