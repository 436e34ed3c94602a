/**
 * markDeadWorkers, the wiring RacePool puts on its piscina pool: a pool
 * worker that dies holding a job's lock is reported to the store, so the
 * next caller takes the lock over. The control shows what the wiring is
 * for: without it the dead worker's lock is never given up.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Piscina } from 'piscina';
import { InvalidArgumentError, JobStore, LockTimeoutError } from '@atomic-jobs/store';
import { markDeadWorkers } from '@atomic-jobs/workers';
import type { LockDierData, LockDierTask } from '../fixtures/pool-lock-dier.js';
import { fixtureUrl } from './helpers/threads.js';

/** A one-thread pool whose worker takes job `a`'s lock and exits holding it; resolves once piscina has destroyed the worker. */
async function poolWorkerDiesHoldingLock(store: JobStore, wired: boolean): Promise<Piscina> {
  const workerData: LockDierData = { handle: store.handle };
  const pool = new Piscina({ filename: fixtureUrl('pool-lock-dier').href, minThreads: 1, maxThreads: 1, workerData });
  if (wired) markDeadWorkers(pool, store);
  // Added after markDeadWorkers' listener, so it resolves after that listener ran.
  const destroyed = once(pool, 'workerDestroy');
  const task: LockDierTask = { jobId: 'a', exitCode: 7 };
  await expect(pool.run(task)).rejects.toThrow(/exited with code: 7/);
  await destroyed;
  return pool;
}

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a pool worker that dies holding a job lock is marked dead, and the next caller takes the lock over', async () => {
    const store = JobStore.create({ capacity: 8, locking });
    store.create('a');
    const pool = await poolWorkerDiesHoldingLock(store, true);
    try {
      expect(store.updateStatus('a', 'processing', undefined, { timeoutMs: 10_000 })).toMatchObject({ status: 'processing', attempts: 1, version: 2 });
      expect(store.recovery().locksRecovered).toBe(1);
    } finally {
      await pool.destroy();
    }
  });

  it('control: without markDeadWorkers the lock stays with the dead worker', async () => {
    const store = JobStore.create({ capacity: 8, locking });
    store.create('a');
    const pool = await poolWorkerDiesHoldingLock(store, false);
    try {
      expect(() => store.updateStatus('a', 'processing', undefined, { timeoutMs: 300 })).toThrow(LockTimeoutError);
      expect(store.get('a')).toMatchObject({ status: 'pending', version: 1 });
      expect(store.recovery().locksRecovered).toBe(0);
    } finally {
      await pool.destroy();
    }
  });
});

describe('markDeadWorkers arguments', () => {
  it('refuses what is not a Piscina pool and a JobStore, naming the argument', async () => {
    const store = JobStore.create({ capacity: 8 });
    const pool = new Piscina({ filename: fixtureUrl('pool-lock-dier').href, minThreads: 0, maxThreads: 1, workerData: { handle: store.handle } });
    try {
      for (const [bad, argument] of [
        [() => markDeadWorkers({ on: () => undefined } as unknown as Piscina, store), 'pool'],
        [() => markDeadWorkers(undefined as unknown as Piscina, store), 'pool'],
        [() => markDeadWorkers(pool, store.handle as unknown as JobStore), 'store'],
      ] as const) {
        expect(bad).toThrow(InvalidArgumentError);
        expect(bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', argument }));
      }
    } finally {
      await pool.destroy();
    }
  });
});
