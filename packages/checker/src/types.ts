/**
 * The data the checker works on: operations of a concurrent history, the
 * sequential model they are checked against, and the verdicts.
 */

/**
 * Passed to {@link Model.step} as the output of an operation whose outcome is
 * unknown (its thread was killed, or its response was lost). The model must
 * then compute the effect the operation would have had, whatever it returned.
 */
export const UNKNOWN: unique symbol = Symbol.for('atomic-jobs/checker.unknown');
export type Unknown = typeof UNKNOWN;

/**
 * One operation of a concurrent history: who ran it, what it was asked, what
 * it answered, and when it was invoked and answered, on one clock shared by
 * every thread. Plain data (JSON-serialisable when `I` and `O` are).
 */
export interface Operation<I, O> {
  /** The thread (or client) that ran it. Used for rendering only. */
  readonly thread: number | string;
  readonly input: I;
  /** What it returned. Ignored when the outcome is unknown. */
  readonly output?: O | undefined;
  /** Invocation instant. */
  readonly call: number;
  /**
   * Response instant. Absent (or `Infinity`) means the outcome is unknown: the
   * operation may have taken effect at any instant after `call`, or never
   * (Jepsen's `:info`).
   */
  readonly ret?: number | undefined;
  /** Marks the outcome as unknown even when `ret` is set. */
  readonly unknown?: boolean | undefined;
  /** Free text shown next to the operation in reports (e.g. where it came from). */
  readonly note?: string | undefined;
}

/** The outcome of one sequential step. */
export interface StepResult<S> {
  /** False when the model could not have produced the observed output from this state. */
  readonly ok: boolean;
  /** The state after the operation (meaningful only when `ok`). */
  readonly state: S;
}

/** A sub-history checked on its own (P-compositionality), with what the model did to build it. */
export interface Partition<I, O> {
  /** Shown in reports, e.g. `job "a"`. */
  readonly label: string;
  readonly ops: readonly Operation<I, O>[];
  /** Anything the partitioner changed or could not split, said out loud. */
  readonly notes?: readonly string[] | undefined;
}

/**
 * A sequential specification. States must be treated as immutable: `step`
 * returns a new state and never changes the one it is given.
 */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /**
   * Apply `input` to `state`; `ok` is false when `output` is not what the
   * model would return. `output` is {@link UNKNOWN} for unknown-outcome
   * operations: then `ok` must be true whenever the operation can take effect.
   */
  step(state: S, input: I, output: O | Unknown): StepResult<S>;
  /**
   * A key for memoisation. With `equal` absent it must be canonical: equal
   * keys mean equal states.
   */
  hash(state: S): string;
  /** State equality, when `hash` is not canonical (states with the same hash are compared with it). */
  equal?(a: S, b: S): boolean;
  /**
   * Split a history into independent sub-histories (for example one per
   * key). Sound only when no operation touches two partitions: a model that
   * cannot split a history must return it whole.
   * @default the whole history as one partition
   */
  partition?(ops: readonly Operation<I, O>[]): Partition<I, O>[];
  /** One line for an operation in reports. */
  describeOperation?(input: I, output: O | Unknown): string;
  /** One line for a state in reports. */
  describeState?(state: S): string;
  /** What the model would have returned for `input` in `state` (the "expected" in reports). */
  expected?(state: S, input: I): string;
  /**
   * True when the operation never changes the state (a read). Lets the
   * minimiser drop it once its outcome is relaxed.
   * @default false for every operation
   */
  readOnly?(input: I): boolean;
}

/** Limits on the search. Exceeding any of them yields `'unknown'`, never `'ok'`. */
export interface Budget {
  /**
   * Wall-clock limit for the whole check, in milliseconds.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * Limit on search steps (model steps plus backtracks), over all partitions.
   * @default 50000000
   */
  maxSteps?: number | undefined;
}

export interface CheckOptions extends Budget {
  /**
   * On a violation, shrink the failing partition (shortest failing prefix,
   * then operations relaxed to unknown outcome while it still fails).
   * `false` skips it; a number is its time limit in milliseconds.
   * @default 5000
   */
  minimize?: boolean | number | undefined;
}

export type Verdict = 'ok' | 'violation' | 'unknown';

/** The verdict on one partition. */
export interface PartitionResult {
  readonly label: string;
  readonly verdict: Verdict;
  readonly operations: number;
  readonly steps: number;
  readonly notes: readonly string[];
}

/** One operation that could not be placed, at the deepest point the search reached. */
export interface Blocked<I, O> {
  readonly op: Operation<I, O>;
  readonly observed: string;
  readonly expected: string;
}

/** The evidence for a violation: a sub-history that is not linearizable, and why. */
export interface Violation<I, O> {
  /** The partition that failed. */
  readonly partition: string;
  /**
   * The failing sub-history. Operations whose outcome was relaxed to unknown
   * during minimisation carry `unknown: true` and a note. Its failing implies
   * the original history's: relaxing an outcome only adds linearizations,
   * and a prefix of a linearizable history is linearizable.
   */
  readonly ops: readonly Operation<I, O>[];
  /** How many operations the failing partition had before minimisation. */
  readonly originalOperations: number;
  /**
   * Operations cut off: each was answered before the cut instant, before any
   * operation of `ops` but the relaxed ones spanning the cut was invoked; 0 when no cut.
   */
  readonly skipped: number;
  /**
   * When `skipped > 0`: every state those operations can leave (with the
   * operations spanning the cut taking effect or not); `ops` fails from each.
   */
  readonly startStates?: readonly string[] | undefined;
  /** Indices into `ops`: the longest sequence the search could linearize. */
  readonly longest: readonly number[];
  /** The model state after `longest`. */
  readonly stateAfterLongest: string;
  /** Operations that could come next but that the model refuses from that state. */
  readonly blocked: readonly Blocked<I, O>[];
  /** Human-readable rendering (see `renderViolation`). */
  readonly text: string;
}

export interface CheckResult<I, O> {
  /** `'ok'` only when every partition was fully checked and is linearizable. */
  readonly verdict: Verdict;
  readonly operations: number;
  readonly partitions: readonly PartitionResult[];
  readonly steps: number;
  readonly elapsedMs: number;
  /** Present when `verdict` is `'violation'`. */
  readonly violation?: Violation<I, O> | undefined;
  /** Everything the partitioner or the budget did that a reader should know. */
  readonly notes: readonly string[];
}
