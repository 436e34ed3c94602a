/**
 * A worker dies inside a critical section, at each fault point the store
 * offers, by terminate(), process.exit() and a thrown error, in both locking
 * modes. Afterwards nobody hangs, the job is entirely as before (death before
 * the commit point) or entirely as after (after it), no other job changed,
 * counts still add up, and the store reports the recovery.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, type JobSnapshot, type Locking } from '@atomic-jobs/store';
import type { FaultPoint } from '@atomic-jobs/store/testing';
import type { FaultWorkerData } from '../fixtures/faults-worker.js';
import { startAtFault } from './helpers/faults.js';

function setup(locking: Locking): JobStore {
  const store = JobStore.create({ capacity: 16, locking });
  for (const id of ['a', 'b', 'c']) store.create(id);
  store.claim('a');
  store.claim('b');
  return store;
}

/** Start the fixture, wait until it sits at the fault point, then kill it as asked; resolves after the store was told. */
async function dieAt(store: JobStore, data: Omit<FaultWorkerData, 'handle' | 'flag'>): Promise<{ exitCode: number; threwOut: boolean }> {
  const w = await startAtFault(store, data);
  if (data.how === 'hang') await w.worker.terminate();
  const exitCode = await w.exited;
  store.markThreadDead(w.threadId); // what the pool does on 'exit'
  return { exitCode, threwOut: Atomics.load(w.flag, 1) === 1 };
}

function consistent(store: JobStore): void {
  const jobs = store.list();
  const c = store.counts();
  expect(c.total).toBe(jobs.length);
  for (const s of ['pending', 'processing', 'completed', 'failed'] as const) {
    expect(c[s], `count of ${s}`).toBe(jobs.filter((j) => j.status === s).length);
  }
  // Every pending job can still be claimed exactly once, in order.
  const pending = jobs.filter((j) => j.status === 'pending').map((j) => j.id).sort();
  const claimed: string[] = [];
  for (let s = store.claimNext(); s !== undefined; s = store.claimNext()) claimed.push(s.id);
  expect(claimed.sort()).toEqual(pending);
}

const BEFORE_COMMIT: FaultPoint[] = ['journaled', 'list-move', 'mid-write'];

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  for (const point of [...BEFORE_COMMIT, 'before-commit'] as const) {
    for (const how of ['hang', 'exit'] as const) {
      it(`updateStatus killed (${how}) at ${point}: job ${BEFORE_COMMIT.includes(point) ? 'as before' : 'as after'}, others untouched`, async () => {
        const store = setup(locking);
        const before = store.get('a') as JobSnapshot;
        const others = [store.get('b'), store.get('c')];
        const { exitCode } = await dieAt(store, { point, how, op: 'fail', id: 'a' });
        expect(exitCode).not.toBe(0);
        const after = store.get('a') as JobSnapshot; // must not hang on the dead writer's odd seqlock
        if (BEFORE_COMMIT.includes(point)) {
          expect(after).toEqual(before);
        } else {
          expect(after).toMatchObject({ status: 'failed', version: before.version + 1, attempts: before.attempts, lastError: 'boom: written by the dying worker' });
        }
        expect([store.get('b'), store.get('c')]).toEqual(others);
        // The lock is usable again: a transition through it succeeds (or is refused by the table, not hung).
        if (after.status === 'processing') expect(store.updateStatus('a', 'completed').version).toBe(before.version + 1);
        else expect(store.retryFailed()).toBe(1);
        expect(store.recovery().locksRecovered).toBeGreaterThanOrEqual(1);
        consistent(store);
      });
    }
  }

  // A throw (an internal error) inside the section: the thread lives on, so
  // the store itself must roll back and release every lock it holds,
  // including the queue lock that claimNext takes before the change.
  for (const op of ['fail', 'claimNext'] as const) {
    for (const point of [...BEFORE_COMMIT, 'before-commit'] as const) {
      const committed = point === 'before-commit';
      it(`a thrown error in ${op === 'fail' ? 'updateStatus' : 'claimNext'} at ${point}: the job ${committed ? 'as after' : 'as before'}, every lock free`, async () => {
        const store = setup(locking);
        const id = op === 'fail' ? 'a' : 'c';
        const before = store.get(id) as JobSnapshot;
        const { exitCode, threwOut } = await dieAt(store, { point, how: 'throw', op, id });
        expect(exitCode).toBe(0);
        expect(threwOut).toBe(true);
        const after = store.get(id) as JobSnapshot;
        if (!committed) expect(after).toEqual(before);
        else expect(after).toMatchObject({ status: op === 'fail' ? 'failed' : 'processing', version: before.version + 1 });
        consistent(store);
        // Every lock was released normally: none had to be taken over. (One
        // left held would have been, by the claims above, as its thread exited.)
        expect(store.recovery().locksRecovered).toBe(0);
      });
    }
  }

  for (const point of ['journaled', 'before-commit'] as const) {
    it(`remove killed at ${point}: the job is ${point === 'journaled' ? 'still there' : 'gone, its slot reusable'}`, async () => {
      const store = setup(locking);
      const before = store.get('c');
      await dieAt(store, { point, how: 'hang', op: 'remove', id: 'c' });
      if (point === 'journaled') expect(store.get('c')).toEqual(before);
      else {
        expect(store.get('c')).toBeUndefined();
        expect(store.create('c').version).toBe(1);
      }
      consistent(store);
    });
  }

  it('claimNext killed mid-write: the job stays pending and is claimed once later', async () => {
    const store = setup(locking);
    const before = store.get('c');
    await dieAt(store, { point: 'mid-write', how: 'exit', op: 'claimNext', id: 'c' });
    expect(store.get('c')).toEqual(before);
    expect(store.claimNext()?.id).toBe('c');
    expect(store.claimNext()).toBeUndefined();
  });
});
