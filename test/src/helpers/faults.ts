/** Main-thread side of the fault tests: a worker (fixtures/faults-worker.ts) parked at a fault point inside a critical section. */
import { Worker } from 'node:worker_threads';
import { JobStore, type JobSnapshot, type JobStatus, type Locking } from '@atomic-jobs/store';
import type { FaultWorkerData } from '../../fixtures/faults-worker.js';
import type { WaiterData } from '../../fixtures/faults-waiter.js';
import { attachUntilFull } from '../../fixtures/registry-filler.js';
import { fixtureUrl } from './threads.js';

export interface AtFault {
  readonly worker: Worker;
  /** Read at start: it is -1 once the worker has exited. */
  readonly threadId: number;
  /** [0] = 1 at the fault point; [1] = 1 if the injected throw came out of the store. */
  readonly flag: Int32Array;
  /** The worker's exit code. */
  readonly exited: Promise<number>;
}

/** Start the fault worker and resolve once it is at its fault point (holding the store's locks there, unless `how` is exit or throw). */
export async function startAtFault(store: JobStore, data: Omit<FaultWorkerData, 'handle' | 'flag'>): Promise<AtFault> {
  const flagBuf = new SharedArrayBuffer(8);
  const flag = new Int32Array(flagBuf);
  const worker = new Worker(fixtureUrl('faults-worker'), { workerData: { ...data, handle: store.handle, flag: flagBuf } satisfies FaultWorkerData });
  const threadId = worker.threadId;
  let gone = false;
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => { gone = true; resolve(code); }));
  worker.on('error', () => undefined); // a process.exit or throw surfaces as the exit code
  while (Atomics.load(flag, 0) === 0) {
    if (gone) throw new Error(`the worker exited without reaching fault point ${data.point}`);
    await Atomics.waitAsync(flag, 0, 0, 20).value;
  }
  return { worker, threadId, flag, exited };
}

/**
 * A store (capacity 4) holding job `a`, claimed here (`claimed`), and a
 * worker parked mid-write inside a's updateStatus, holding the lock that
 * guards `a` (its own, or the global one). `detachFirst`: the worker first
 * attaches and detaches another instance (faults-worker.ts).
 */
export async function jobHeldMidWrite(locking: Locking, detachFirst = false): Promise<{ store: JobStore; claimed: JobSnapshot | undefined; holder: AtFault }> {
  const store = JobStore.create({ capacity: 4, locking });
  store.create('a');
  const claimed = store.claim('a');
  const holder = await startAtFault(store, { point: 'mid-write', how: 'hang', op: 'fail', id: 'a', detachFirst });
  return { store, claimed, holder };
}

/**
 * In a store holding pending jobs `a` and `b`: `a` is claimed, then a thread
 * dies inside the queue lock (a list move of its updateStatus of `a`),
 * holding a's lock too, and is marked dead; a claim of `b` then takes the
 * queue lock over, rolling the dead change back. a's lock is left owned by
 * the dead thread. Returns the claim of `a`.
 */
export async function deadHoldingJobAndQueueLocks(store: JobStore): Promise<JobSnapshot | undefined> {
  const claimed = store.claim('a');
  const dying = await startAtFault(store, { point: 'list-move', how: 'hang', op: 'fail', id: 'a' });
  await dying.worker.terminate();
  store.markThreadDead(dying.threadId);
  if (store.claim('b')?.status !== 'processing') throw new Error('the claim of b did not go through');
  return claimed;
}

/** Attach instances until the store's registry is full; how many that took. */
export function attachAll(store: JobStore): number {
  return attachUntilFull(store.handle).length;
}

/** What the faults-waiter fixture posts: its updateStatus's snapshot, or the error's code. */
export interface WaiterResult {
  readonly ok: boolean;
  readonly code?: string;
  readonly snapshot?: JobSnapshot;
}

/**
 * Start the faults-waiter fixture: one updateStatus(id, status) (fenced by
 * `attempt` when given) from a worker, which blocks while another thread
 * holds the job's lock. `result` is what it posts.
 */
export function startWaiter(store: JobStore, id: string, status: JobStatus, attempt?: number, park?: SharedArrayBuffer): { worker: Worker; result: Promise<WaiterResult> } {
  const worker = new Worker(fixtureUrl('faults-waiter'), { workerData: { handle: store.handle, id, status, attempt, park } satisfies WaiterData });
  const result = new Promise<WaiterResult>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  return { worker, result };
}
