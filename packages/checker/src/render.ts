/** Plain-text rendering of histories and violations. */
import { isUnknown } from './search.js';
import { UNKNOWN, type Blocked, type Model, type Operation } from './types.js';

/** One line for an operation, through the model's describer when it has one. */
export function describeOp<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  // A relaxed operation still shows what it returned; the search ignored it.
  const shown = isUnknown(op as Operation<unknown, unknown>) && !(isRelaxed(op) && op.output !== undefined);
  const out = shown ? UNKNOWN : (op.output as O);
  if (model.describeOperation !== undefined) return model.describeOperation(op.input, out);
  return `${JSON.stringify(op.input)} -> ${out === UNKNOWN ? '?' : JSON.stringify(out)}`;
}

/** Relaxed by the minimiser (see minimize.ts). */
export function isRelaxed(op: Operation<unknown, unknown>): boolean {
  return op.note?.startsWith('relaxed') === true;
}

export function describeState<S, I, O>(model: Model<S, I, O>, state: S): string {
  return model.describeState !== undefined ? model.describeState(state) : model.hash(state);
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/\.?0+$/, '');
}

/** The interval of an operation relative to `origin`, e.g. `[0, 12.5]` or `[3, ?)`. */
export function interval(op: Operation<unknown, unknown>, origin: number): string {
  const open = isUnknown(op) && !(isRelaxed(op) && op.ret !== undefined && op.ret !== Infinity);
  const end = open ? '?)' : `${num((op.ret as number) - origin)}]`;
  return `[${num(op.call - origin)}, ${end}`;
}

/**
 * A table of operations: index, thread, interval, operation. `only` limits
 * the rows to some indices (numbering stays that of `ops`).
 */
export function renderHistory<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], only?: readonly number[]): string {
  const origin = ops.reduce((m, op) => Math.min(m, op.call), Infinity);
  const rows = (only ?? ops.map((_, i) => i)).map((i) => [i, ops[i] as Operation<I, O>] as const).map(([i, op]) => [
    `#${i}`,
    `thread ${String(op.thread)}`,
    interval(op as Operation<unknown, unknown>, origin),
    describeOp(model, op) + (op.note === undefined ? '' : `   (${op.note})`),
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return rows
    .map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell)).join('  '))
    .join('\n');
}

export interface ViolationParts<S, I, O> {
  readonly partition: string;
  readonly ops: readonly Operation<I, O>[];
  readonly originalOperations: number;
  readonly longest: readonly number[];
  readonly stateAfterLongest: S;
  readonly blocked: readonly Blocked<I, O>[];
  readonly notes: readonly string[];
  readonly skipped: number;
  readonly startStates?: readonly S[] | undefined;
  readonly before?: readonly Operation<I, O>[] | undefined;
}

/** The readable report of a violation: the sub-history, the longest linearization, and what could not come next. */
export function renderViolation<S, I, O>(model: Model<S, I, O>, v: ViolationParts<S, I, O>): string {
  const lines: string[] = [];
  const relaxed = v.ops.filter((op) => isRelaxed(op as Operation<unknown, unknown>)).length;
  lines.push(
    `NOT LINEARIZABLE: ${v.partition}: a failing sub-history of ${v.ops.length} of its ${v.originalOperations} operations` +
      (relaxed > 0 ? ` (${relaxed} of them relaxed: outcome ignored)` : ''),
  );
  if (v.skipped > 0 && v.startStates !== undefined) {
    lines.push(
      `It starts after ${v.skipped} earlier operations of the partition, all answered before the others below were invoked; ` +
        `every linearization of them (operations spanning the cut taking effect or not) leaves the model in ` +
        `${v.startStates.length === 1 ? 'this state' : `one of these ${v.startStates.length} states, and what follows fails from each`}:`,
    );
    for (const st of v.startStates) lines.push(`  ${describeState(model, st)}`);
    if (v.before !== undefined && v.before.length > 0) {
      const origin = v.ops.reduce((m, op) => Math.min(m, op.call), Infinity);
      lines.push(`The last ${v.before.length} of those, for context (times relative to the first operation below, so negative):`);
      for (const op of v.before) {
        lines.push(`  thread ${String(op.thread)}  ${interval(op as Operation<unknown, unknown>, origin)}  ${describeOp(model, op)}`);
      }
    }
  }
  const isRelaxedAt = (i: number): boolean => isRelaxed(v.ops[i] as Operation<unknown, unknown>);
  const all = v.ops.map((_, i) => i);
  lines.push('Operations whose outcomes the proof uses (interval = [invoked, answered] on the shared clock, relative to the first invocation; "?)" = outcome unknown):');
  lines.push(indent(renderHistory(model, v.ops, all.filter((i) => !isRelaxedAt(i)))));
  if (relaxed > 0) {
    lines.push('Context: operations relaxed by the minimiser (each may take effect at any point after its invocation, or never):');
    lines.push(indent(renderHistory(model, v.ops, all.filter(isRelaxedAt))));
  }
  const seq = v.longest.map((i) => `#${i}`).join(' ');
  lines.push(`Longest linearizable sequence found: ${seq === '' ? '(none)' : seq}`);
  lines.push(`Model state after it: ${describeState(model, v.stateAfterLongest)}`);
  if (v.blocked.length > 0) {
    lines.push('None of the operations that could come next is consistent with that state:');
    for (const b of v.blocked) {
      const i = v.ops.indexOf(b.op);
      lines.push(`  #${i} thread ${String(b.op.thread)}: observed ${b.observed}; the model expects ${b.expected}`);
    }
  }
  for (const note of v.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

function indent(s: string): string {
  return s.split('\n').map((l) => `  ${l}`).join('\n');
}
