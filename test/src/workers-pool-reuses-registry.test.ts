/**
 * A long-running pool retires and replaces workers (here: every worker, once
 * idle for 10 ms). Each worker's registry entries come back once markDeadWorkers
 * reports it dead, so a store keeps serving new workers however many came
 * before: six workers of 100 instances each attach one after the other to
 * a registry of 256 entries.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Piscina } from 'piscina';
import { JobStore } from '@atomic-jobs/store';
import { markDeadWorkers } from '@atomic-jobs/workers';
import type { RegistryTakerData } from '../fixtures/pool-registry-taker.js';
import { fixtureUrl } from './helpers/threads.js';

describe('a pool that keeps replacing its workers', () => {
  it('attaches every new worker: the entries of retired ones are reused', async () => {
    const store = JobStore.create({ capacity: 16 });
    const workerData: RegistryTakerData = { handle: store.handle, instances: 100 };
    const pool = new Piscina({ filename: fixtureUrl('pool-registry-taker').href, minThreads: 0, maxThreads: 1, idleTimeout: 10, workerData });
    markDeadWorkers(pool, store);
    try {
      for (let round = 0; round < 6; round++) {
        // Added after markDeadWorkers' listener, so it resolves after that listener ran.
        const retired = once(pool, 'workerDestroy');
        await expect(pool.run(`job-${round}`)).resolves.toBe(100);
        await retired;
      }
      expect(store.counts().total).toBe(6);
    } finally {
      await pool.destroy();
    }
  });
});
