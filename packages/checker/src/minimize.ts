/**
 * Shrinking a non-linearizable history to a small witness, by two moves that
 * can only remove linearizations, so the result failing proves the input fails:
 *
 * 1. Shortest failing prefix. The history "as seen at instant t" keeps the
 *    operations invoked by t; those still running at t get an unknown
 *    outcome. Linearizability is prefix-closed, so if that prefix is not
 *    linearizable neither is the whole; and the property is monotone in t,
 *    so a binary search finds the earliest failing t.
 * 2. Latest cut. Operations answered before an instant t are replaced by
 *    the set of states they can leave (operations spanning t relaxed, on
 *    both sides); what follows must fail from each of those states.
 * 3. Relaxation. One at a time (latest first), an operation's outcome is
 *    made unknown; kept so when the history still fails. Relaxing only adds
 *    linearizations. A relaxed operation the model marks read-only changes no
 *    state whether or not it takes effect, so it is then dropped.
 *
 * Every check runs on a small step budget; a check that runs out counts as
 * "does not fail", so the move is not made (never an unproven shrink).
 */
import { isUnknown, search, type SearchOutcome } from './search.js';
import type { Model, Operation } from './types.js';

export interface Shrunk<S, I, O> {
  readonly ops: readonly Operation<I, O>[];
  readonly outcome: SearchOutcome<S>;
  /** Operations cut off: all answered before the cut instant (0 when no cut). */
  readonly skipped: number;
  /** When `skipped > 0`: every state a linearization of the skipped operations ends in; `ops` fails from each. */
  readonly startStates?: readonly S[] | undefined;
  /** The last few skipped operations, shown for context only. */
  readonly before?: readonly Operation<I, O>[] | undefined;
}

const STEPS_PER_CHECK = 200_000;
/** Cut instants tried, latest first. */
const MAX_CUTS = 24;
/** A cut whose prefix can end in more states than this is not used. */
const MAX_START_STATES = 32;
/** A cut that more operations span than this is not tried (each one doubles the work). */
const MAX_SPANNING = 6;
/** Skipped operations shown for context. */
const CONTEXT_OPS = 6;

/** The same operation with its outcome ignored by the search; what was observed stays for the report. */
function relax<I, O>(op: Operation<I, O>, why: string): Operation<I, O> {
  return { ...op, unknown: true, note: why };
}

const known = (op: Operation<unknown, unknown>): boolean => !isUnknown(op);

/** Shrink `ops` (already known to fail) within `timeMs`. Returns the input unchanged when nothing could be proven smaller. */
export function minimize<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], failing: SearchOutcome<S>, timeMs: number): Shrunk<S, I, O> {
  const deadline = performance.now() + timeMs;
  const limits = (): { deadline: number; maxSteps: number } => ({ deadline, maxSteps: STEPS_PER_CHECK });
  /** The search outcome when `candidate` fails from every start state; undefined otherwise (or out of budget). */
  const fails = (candidate: readonly Operation<I, O>[], starts: readonly S[] | undefined): SearchOutcome<S> | undefined => {
    let first: SearchOutcome<S> | undefined;
    for (const init of starts ?? [undefined]) {
      if (performance.now() > deadline) return undefined;
      const r = search(model, candidate, limits(), { init });
      if (r.verdict !== 'violation') return undefined;
      first ??= r;
    }
    return first;
  };
  let best: Shrunk<S, I, O> = { ops, outcome: failing, skipped: 0 };

  // 1. Shortest failing prefix.
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  const cuts = [...new Set(sorted.filter((op) => known(op as Operation<unknown, unknown>)).map((op) => op.ret as number))].sort((a, b) => a - b);
  const prefixAt = (t: number): Operation<I, O>[] =>
    sorted
      .filter((op) => op.call <= t)
      .map((op) => (known(op as Operation<unknown, unknown>) && (op.ret as number) > t ? relax(op, 'relaxed: still running at the cut, outcome ignored') : op));
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = prefixAt(cuts[mid] as number);
    const r = fails(candidate, undefined);
    if (r !== undefined) {
      if (candidate.length <= best.ops.length) best = { ops: candidate, outcome: r, skipped: 0 };
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }

  // 2. Latest cut. At an instant t, the history splits into P (answered
  // before t), X (invoked before t, answered after) and S (invoked after t).
  // Every P precedes every S, so any linearization is "P with some of X",
  // then "S with the rest of X". Relaxing: enumerate every state P can end
  // in with each X optional (unknown), then check S with X again optional
  // from each. If S fails from all of them, the whole fails. (X taking effect
  // twice is one of the extra orders relaxing allows: sound, never unsound.)
  const prefix = [...best.ops].sort((a, b) => a.call - b.call);
  let tried = 0;
  for (let k = prefix.length - 1; k > 0 && tried < MAX_CUTS && performance.now() < deadline; k--) {
    const t = (prefix[k] as Operation<I, O>).call;
    if ((prefix[k - 1] as Operation<I, O>).call === t) continue;
    const before = prefix.slice(0, k);
    const spanning = before.filter((op) => !known(op as Operation<unknown, unknown>) || (op.ret as number) >= t);
    if (spanning.length > MAX_SPANNING) continue;
    tried++;
    const states: S[] = [];
    const head = before.map((op) => (spanning.includes(op) ? relax(op, 'relaxed: spans the cut, outcome ignored') : op));
    const r0 = search(model, head, limits(), { collect: states });
    if (r0.verdict !== 'ok' || states.length > MAX_START_STATES) continue;
    const after = [...head.filter((op) => !known(op as Operation<unknown, unknown>)), ...prefix.slice(k)];
    const r = fails(after, states);
    if (r !== undefined) {
      best = { ops: after, outcome: r, skipped: k - spanning.length, startStates: states, before: before.filter((op) => !spanning.includes(op)).slice(-CONTEXT_OPS) };
      break;
    }
  }

  // 3. Relax known outcomes, latest first; drop relaxed read-only operations.
  let current = [...best.ops];
  for (let i = current.length - 1; i >= 0 && performance.now() < deadline; i--) {
    const op = current[i] as Operation<I, O>;
    if (!known(op as Operation<unknown, unknown>)) continue;
    const readOnly = model.readOnly?.(op.input) === true;
    const candidate = readOnly ? current.filter((_, j) => j !== i) : current.map((o, j) => (j === i ? relax(o, 'relaxed: outcome not needed to show the violation') : o));
    const r = fails(candidate, best.startStates);
    if (r !== undefined) {
      current = candidate;
      best = { ...best, ops: current, outcome: r };
    }
  }
  return best;
}
