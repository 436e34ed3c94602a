/**
 * The search of Wing & Gong, as improved by Lowe and implemented by Porcupine
 * (checker.go, checkSingle): walk a doubly linked list of call and return
 * entries sorted by time; an operation may be linearized next when its call
 * entry comes before the first remaining return entry. Linearizing lifts its
 * call and return out of the list and pushes (entry, state) on a stack;
 * reaching a return entry means the operation it closes could not be placed,
 * so the search backtracks. Lowe's memoisation: a (linearized set, state)
 * pair already explored is never explored again, which bounds the search by
 * the number of distinct pairs instead of the number of interleavings.
 *
 * Unknown outcomes (Jepsen's `:info`): the operation's return entry sorts
 * after every other (time +Infinity), so it never forces anything; it may be
 * linearized at any point after its call, and the search succeeds as soon as
 * every operation with a known outcome is linearized, so it may also never
 * take effect.
 */
import { UNKNOWN, type Model, type Operation, type Verdict } from './types.js';

/** Search limits, as absolute figures. */
export interface Limits {
  /** `performance.now()` value after which the search gives up. */
  readonly deadline: number;
  readonly maxSteps: number;
}

export interface SearchOutcome<S> {
  /** `'unknown'` when a limit was hit before a verdict. */
  readonly verdict: Verdict;
  readonly steps: number;
  /** Operation indices of the longest linearization found (all of them when `'ok'`). */
  readonly longest: readonly number[];
  readonly stateAfterLongest: S;
}

/** True when the operation's outcome is unknown. */
export function isUnknown(op: Operation<unknown, unknown>): boolean {
  return op.unknown === true || op.ret === undefined || op.ret === Infinity;
}

const NIL = -1;
/** How often (in steps) the clock is read. */
const CLOCK_EVERY = 4096;

interface CacheEntry<S> {
  readonly bits: Uint32Array;
  readonly state: S;
}

/** Where the search starts, and whether it enumerates every end state instead of stopping at the first linearization. */
export interface SearchFrom<S> {
  /** Start from this state instead of `model.init()`. */
  readonly init?: S | undefined;
  /**
   * When given, the search does not stop at the first linearization: every
   * state in which all known-outcome operations are linearized (and any
   * subset of the unknown ones, in any order allowed) is pushed here,
   * deduplicated by hash; the verdict is `'ok'` when there is at least one.
   * Used to cut a history in two (see minimize.ts).
   */
  readonly collect?: S[] | undefined;
}

/** Decide whether `ops` is linearizable with respect to `model`. */
export function search<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], limits: Limits, from: SearchFrom<S> = {}): SearchOutcome<S> {
  const n = ops.length;
  const init = from.init !== undefined ? from.init : model.init();
  const collect = from.collect;
  const collected = new Set<string>();
  if (n === 0) {
    collect?.push(init);
    return { verdict: 'ok', steps: 0, longest: [], stateAfterLongest: init };
  }

  // Entries 0..2n-1: entry 2i is op i's call, 2i+1 its return. HEAD is a sentinel.
  const unknown = ops.map((op) => isUnknown(op as Operation<unknown, unknown>));
  /** Reads with a known answer: the operations the search may take greedily (see below). */
  const knownRead = ops.map((op, i) => unknown[i] !== true && model.readOnly?.(op.input) === true);
  const time = (e: number): number => {
    const op = ops[e >> 1] as Operation<I, O>;
    if ((e & 1) === 0) return op.call;
    return unknown[e >> 1] === true ? Infinity : (op.ret as number);
  };
  const order = Array.from({ length: 2 * n }, (_, e) => e);
  // By time; at equal times calls first (the operations are then concurrent,
  // the permissive reading when the clock cannot tell them apart).
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  const HEAD = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(NIL);
  const prev = new Int32Array(2 * n + 1).fill(NIL);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }

  const unlink = (e: number): void => {
    const p = prev[e] as number;
    const x = next[e] as number;
    next[p] = x;
    if (x !== NIL) prev[x] = p;
  };
  const relink = (e: number): void => {
    const p = prev[e] as number;
    const x = next[e] as number;
    next[p] = e;
    if (x !== NIL) prev[x] = e;
  };
  // Porcupine's lift/unlift: the call and its return leave the list together.
  // Unlinking call then return, and relinking in the reverse order, restores
  // the exact list because the stack makes every unlift undo the latest lift.
  const lift = (call: number): void => { unlink(call); unlink(call + 1); };
  const unlift = (call: number): void => { relink(call + 1); relink(call); };

  // Zobrist hash of the linearized set, updated in O(1) per change.
  const zLo = new Int32Array(n);
  const zHi = new Int32Array(n);
  let seed = 0x9e3779b9;
  const rnd = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return t ^ (t >>> 14);
  };
  for (let i = 0; i < n; i++) { zLo[i] = rnd(); zHi[i] = rnd(); }
  const bits = new Uint32Array(Math.ceil(n / 32));
  let hLo = 0;
  let hHi = 0;
  const flip = (i: number): void => {
    bits[i >> 5] = (bits[i >> 5] as number) ^ (1 << (i & 31));
    hLo ^= zLo[i] as number;
    hHi ^= zHi[i] as number;
  };
  const sameBits = (a: Uint32Array): boolean => {
    for (let w = 0; w < a.length; w++) if (a[w] !== bits[w]) return false;
    return true;
  };

  // Twins: operations with the same input, interval and outcome (the n steps
  // a per-job sweep's count is split into, say) lead to the same states in
  // whichever order they are taken, so only one order is explored: an
  // operation may be linearized only once its earlier twin is. Without
  // this, n twins are tried in n! orders, each a (linearized set, state)
  // pair of its own to the memoisation. (Swapping two twins in any
  // linearization gives another, so none is lost.)
  const twin = new Int32Array(n).fill(NIL);
  const lastTwin = new Map<string, number>();
  ops.forEach((op, i) => {
    const key = JSON.stringify([op.input, op.call, unknown[i] === true ? null : op.ret, unknown[i] === true ? null : op.output]);
    twin[i] = lastTwin.get(key) ?? NIL;
    lastTwin.set(key, i);
  });
  const linearized = (i: number): boolean => ((bits[i >> 5] as number) & (1 << (i & 31))) !== 0;

  const cache = new Map<string, CacheEntry<S>[]>();
  const equal = model.equal;
  /** Record (current bits, state) unless already explored; true when new. */
  const remember = (state: S): boolean => {
    const key = `${hLo},${hHi}|${model.hash(state)}`;
    const bucket = cache.get(key);
    if (bucket === undefined) {
      cache.set(key, [{ bits: bits.slice(), state }]);
      return true;
    }
    for (const c of bucket) {
      if (sameBits(c.bits) && (equal === undefined || equal.call(model, c.state, state))) return false;
    }
    bucket.push({ bits: bits.slice(), state });
    return true;
  };

  let knownLeft = unknown.filter((u) => !u).length;
  /** `greedy`: a read taken greedily (see below). */
  const stack: { call: number; state: S; greedy: boolean }[] = [];
  let state = init;
  let longest: number[] = [];
  let stateAfterLongest = init;
  let steps = 0;
  let entry = next[HEAD] as number;

  /**
   * Undo the latest choice, and try the next candidate in its place; false
   * when there is none left. A greedy choice is undone with the one before
   * it: no other candidate in its place can succeed where it failed.
   */
  const backtrack = (): boolean => {
    for (;;) {
      const top = stack.pop();
      if (top === undefined) return false;
      const i = top.call >> 1;
      state = top.state;
      flip(i);
      unlift(top.call);
      if (unknown[i] !== true) knownLeft++;
      if (top.greedy) continue;
      entry = next[top.call] as number;
      return true;
    }
  };

  /** Collect mode: every state with all known operations linearized (unknown ones taken or not). */
  const record = (): void => {
    if (collect === undefined || knownLeft !== 0) return;
    const key = model.hash(state);
    if (!collected.has(key)) {
      collected.add(key);
      collect.push(state);
    }
  };
  record();

  for (;;) {
    if (knownLeft === 0 && collect === undefined) {
      return { verdict: 'ok', steps, longest: stack.map((s) => s.call >> 1), stateAfterLongest: state };
    }
    steps++;
    if (steps > limits.maxSteps || (steps % CLOCK_EVERY === 0 && performance.now() > limits.deadline)) {
      return { verdict: 'unknown', steps, longest, stateAfterLongest };
    }
    if (entry === NIL) {
      // Every entry lifted: only reachable in collect mode. Undo the latest choice.
      if (!backtrack()) return { verdict: collected.size > 0 ? 'ok' : 'violation', steps, longest, stateAfterLongest };
      continue;
    }
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const t = twin[i] as number;
      if (t !== NIL && !linearized(t)) {
        entry = next[entry] as number;
        continue;
      }
      const op = ops[i] as Operation<I, O>;
      const r = model.step(state, op.input, unknown[i] === true ? UNKNOWN : (op.output as O));
      if (r.ok) {
        flip(i);
        if (remember(r.state)) {
          // A read (the model says its input never changes the state) with a
          // known answer that leaves this state as it was is taken greedily:
          // if any linearization from here exists, one exists that takes it
          // first. It may go first (its call is before every remaining
          // return); wherever a linearization put it, it changed nothing and
          // gave this answer, and here it gives it too; so the operations
          // moved after it see the same states. So when the search fails
          // after it, trying another candidate in its place is pointless
          // (backtrack). Not for an unknown answer, nor for a call that
          // changes nothing here only: a remove of a job absent now, whose
          // outcome is unknown, may remove it once it has been created (seed
          // 1031 of the stress run found that, before this condition).
          // Without this, k reads overlapping each other (a per-job list
          // split into gets) are tried in up to 2^k linearized sets.
          const greedy = knownRead[i] === true && model.hash(r.state) === model.hash(state) && (equal === undefined || equal.call(model, r.state, state));
          stack.push({ call: entry, state, greedy });
          state = r.state;
          lift(entry);
          if (unknown[i] !== true) knownLeft--;
          record();
          entry = next[HEAD] as number;
          continue;
        }
        flip(i);
      }
      entry = next[entry] as number;
    } else {
      // A return entry: the operation it closes must have been linearized
      // before this point, and was not. Undo the latest choice.
      if (stack.length > longest.length) {
        longest = stack.map((s) => s.call >> 1);
        stateAfterLongest = state;
      }
      if (!backtrack()) return { verdict: collected.size > 0 ? 'ok' : 'violation', steps, longest, stateAfterLongest };
    }
  }
}
