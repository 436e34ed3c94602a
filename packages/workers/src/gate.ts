/**
 * A start gate in shared memory: `parties` threads arrive, and none passes
 * until the last one has arrived, so racing loops begin at the same instant
 * instead of one finishing before the next is even scheduled.
 *
 * The gate can only open if all `parties` threads can arrive, so a pool must
 * run exactly one gated task per thread (see pool.ts: minThreads = maxThreads
 * = parties, one task in flight per thread). As a safety net, a waiter gives
 * up with GateTimeoutError instead of blocking forever.
 */
import { InvalidArgumentError } from '@atomic-jobs/store';

/** Int32 slots of a gate buffer, named once. */
const GATE_ARRIVED = 0; // threads waiting at the current generation
const GATE_GENERATION = 1; // bumped each time the gate opens
const GATE_PARTIES = 2;
const GATE_WORDS = 4;
/** Loads spent spinning before sleeping in Atomics.wait: a futex wake-up can take longer than a whole round. */
const SPIN_BEFORE_WAIT = 4096;

/** @default 30_000 */
export const DEFAULT_GATE_TIMEOUT_MS = 30_000;

export class GateTimeoutError extends Error {
  readonly code = 'ERR_GATE_TIMEOUT';
  constructor(arrived: number, parties: number, timeoutMs: number) {
    super(`Start gate: only ${arrived} of ${parties} threads arrived within ${timeoutMs} ms (is the pool smaller than the race?)`);
    this.name = 'GateTimeoutError';
  }
}

/** Make a closed gate for `parties` threads. Send the buffer to each of them. */
export function createGate(parties: number): SharedArrayBuffer {
  if (!Number.isInteger(parties) || parties < 1) throw new InvalidArgumentError('parties', 'an integer >= 1', parties);
  const buffer = new SharedArrayBuffer(GATE_WORDS * 4);
  new Int32Array(buffer)[GATE_PARTIES] = parties;
  return buffer;
}

/**
 * Arrive at the gate and block until every party has arrived; then the gate
 * closes again behind them, so the same gate also serves as a barrier
 * between rounds (every party must pass it the same number of times).
 * Returns the time this thread passed (performance.timeOrigin + now, ms),
 * comparable across threads.
 */
export function passGate(gate: SharedArrayBuffer, timeoutMs = DEFAULT_GATE_TIMEOUT_MS): number {
  const w = new Int32Array(gate);
  const parties = Atomics.load(w, GATE_PARTIES);
  // Read the generation BEFORE arriving: it cannot move on until we have
  // arrived (the gate needs every party), so this is the generation we wait on.
  const gen = Atomics.load(w, GATE_GENERATION);
  // Atomics.add is a read-modify-write: exactly one thread sees parties - 1,
  // however many arrive at once, so exactly one thread opens the gate.
  if (Atomics.add(w, GATE_ARRIVED, 1) + 1 === parties) {
    // Reset the count BEFORE bumping the generation: a released thread can
    // only arrive again after it has seen the new generation, so its next
    // Atomics.add lands on the reset count (all Atomics are sequentially consistent).
    Atomics.store(w, GATE_ARRIVED, 0);
    Atomics.add(w, GATE_GENERATION, 1);
    Atomics.notify(w, GATE_GENERATION);
  } else {
    for (let i = 0; i < SPIN_BEFORE_WAIT && Atomics.load(w, GATE_GENERATION) === gen; i++);
    const deadline = performance.now() + timeoutMs;
    // Atomics.wait sleeps only if the generation is still `gen`, checked
    // atomically with respect to notify: a bump between our load and our wait
    // makes the wait return 'not-equal' at once, so no wake-up is lost.
    while (Atomics.load(w, GATE_GENERATION) === gen) {
      const left = deadline - performance.now();
      if (left <= 0) throw new GateTimeoutError(Atomics.load(w, GATE_ARRIVED), parties, timeoutMs);
      Atomics.wait(w, GATE_GENERATION, gen, left);
    }
  }
  return sharedNow();
}

/** Wall-clock now, comparable across threads (each thread's performance.now() has its own origin). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}
