/**
 * Running one history: start one task per pool worker, open the start
 * barrier, optionally kill workers at random moments, and stop a history
 * that hangs (a watchdog, so a lock never released fails the run instead of
 * freezing it).
 */
import type { Piscina } from 'piscina';
import { C_GO, C_READY, C_STOP, cThreadId, cParked } from './log.js';
import type { StressTask, StressTaskResult } from './protocol.js';

export interface HistoryOutcome {
  /** Workers terminated on purpose during this history. */
  readonly killed: number;
  /** Of those, killed while parked inside a critical section. */
  readonly killedInside: number;
  /** Tasks still running when the watchdog gave up on them. */
  readonly hung: number;
}

export interface HistoryPlan {
  readonly tasks: readonly StressTask[];
  readonly ctrl: Int32Array;
  /** performance.now() at which the run's duration ends (threads are told to stop). */
  readonly end: number;
  /** Mean milliseconds between kills; 0: no kills. */
  readonly killEveryMs: number;
  /** performance.now() of the next kill, carried across histories (short histories would otherwise never reach it). */
  readonly killClock: { next: number };
  /** A history still running this long after its start is declared hung. */
  readonly hangMs: number;
  readonly rnd: () => number;
  /** Called with the threadId of each worker terminated, after it has exited (the pool's "mark it dead"). */
  readonly onKilled: (threadId: number) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runHistory(pool: Piscina<StressTask, StressTaskResult>, plan: HistoryPlan): Promise<HistoryOutcome> {
  const W = plan.tasks.length;
  const { ctrl } = plan;
  const done = new Array<boolean>(W).fill(false);
  const killedThreads = new Set<number>();
  let failure: unknown;
  const all = Promise.all(
    plan.tasks.map((t, i) =>
      pool.run(t).then(
        () => { done[i] = true; },
        (err: unknown) => {
          done[i] = true;
          // A task whose worker we terminated rejects: that is the kill, not a failure.
          if (!killedThreads.has(i)) failure ??= err;
        },
      ),
    ),
  );
  const started = performance.now();
  // Open the barrier once every task is running, each on its own worker.
  while (Atomics.load(ctrl, C_READY) < W && failure === undefined) {
    if (performance.now() - started > plan.hangMs) throw new Error(`stress: only ${Atomics.load(ctrl, C_READY)} of ${W} tasks started within ${plan.hangMs} ms`);
    await sleep(1);
  }
  Atomics.store(ctrl, C_GO, 1);
  Atomics.notify(ctrl, C_GO);
  const stopper = setTimeout(() => Atomics.store(ctrl, C_STOP, 1), Math.max(0, plan.end - performance.now()));
  let finished = false;
  void all.then(() => { finished = true; });
  const clock = plan.killClock;
  if (plan.killEveryMs > 0 && clock.next === Infinity) clock.next = performance.now() + plan.killEveryMs * (0.5 + plan.rnd());
  let hung = 0;
  let killedInside = 0;
  const kill = async (victim: number): Promise<boolean> => {
    const tid = Atomics.load(ctrl, cThreadId(W, victim));
    const worker = pool.threads.find((w) => w.threadId === tid);
    if (worker === undefined) return false;
    killedThreads.add(victim);
    // Whatever operation it is in stays IN_FLIGHT in the log: an unknown outcome.
    await worker.terminate();
    plan.onKilled(tid);
    return true;
  };
  while (!finished) {
    await sleep(1);
    for (let i = 0; i < W; i++) {
      if (!done[i] && !killedThreads.has(i) && Atomics.load(ctrl, cParked(W, i)) === 1 && (await kill(i))) killedInside++;
    }
    const now = performance.now();
    if (now >= clock.next) {
      clock.next = now + plan.killEveryMs * (0.5 + plan.rnd());
      const alive = done.flatMap((d, i) => (d || killedThreads.has(i) ? [] : [i]));
      const victim = alive[Math.floor(plan.rnd() * alive.length)];
      if (victim !== undefined) await kill(victim);
    }
    if (now - started > plan.hangMs) {
      Atomics.store(ctrl, C_STOP, 1);
      hung = done.filter((d) => !d).length;
      break;
    }
  }
  clearTimeout(stopper);
  if (failure !== undefined) throw failure;
  return { killed: killedThreads.size, killedInside, hung };
}
