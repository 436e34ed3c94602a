/**
 * Fault injection for tests (exported as `@atomic-jobs/store/testing`, not
 * from the main entry). The store calls `fault(point)` at a few named points
 * inside its critical sections, and its locks at two points of a starvation
 * handoff and one before a sleep; a test installs a hook that kills or
 * hangs the thread right there, to prove that a death mid-write is
 * recovered, or to force an interleaving.
 * With no hook installed the cost is one load of a module variable.
 */

/** Where the store offers to fail. */
export type FaultPoint =
  /** The slot image is journaled, nothing written yet. */
  | 'journaled'
  /** Inside the queue lock, between unlinking a job from one list and linking it into another. */
  | 'list-move'
  /** Inside the slot's seqlock write: status written, the other fields not yet. */
  | 'mid-write'
  /** Everything written, the journal not yet emptied. */
  | 'before-commit'
  /** Recovery: a dead thread's change has been undone (or finished), its journal not yet emptied. */
  | 'rolling-back'
  /** Attaching: a registry entry claimed, not yet alive. */
  | 'registering'
  /** A waiter past the starvation threshold, its look at the lock word taken, about to register as the lock's heir (any lock, the Mutex's too). */
  | 'starving'
  /** An unlock handing the lock to its heir: the heir's registration taken, its word not yet stored. */
  | 'handing-over'
  /**
   * A waiter about to sleep (any lock, the Mutex's too), its Atomics.wait not
   * yet begun: on the lock's word, counted among its sleepers and published
   * for markThreadDead; or, a starving heir, on the HEIR word.
   */
  | 'sleeping';

export type FaultHook = (point: FaultPoint) => void;

let hook: FaultHook | undefined;

/** Install (or with `undefined`, remove) this thread's fault hook. */
export function setFaultHook(h: FaultHook | undefined): void {
  hook = h;
}

export function fault(point: FaultPoint): void {
  if (hook !== undefined) hook(point);
}
