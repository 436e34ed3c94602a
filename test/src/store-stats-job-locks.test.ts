/**
 * stats() for job locks: each thread counts its own acquisitions of job
 * locks (the slots hold no statistics), and stats() sums them over every
 * thread that ever attached. Here the main thread and a worker each take
 * job locks a known number of times; the sum must be exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import { Scripted } from './helpers/threads.js';
import type { StoreRequest, StoreScriptedData } from '../fixtures/store-scripted.js';

const started: Scripted<StoreRequest>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.terminate()));
});

describe('job-lock statistics', () => {
  it('are counted per thread and summed over threads (per-job locking)', async () => {
    const store = JobStore.create({ capacity: 8, locking: 'per-job' });
    const base = store.stats().locks.jobs;
    expect(base).toEqual({ acquisitions: 0, contended: 0, waits: 0, totalWaitMs: 0, maxWaitMs: 0 });
    store.create('a'); // 1 job lock
    store.updateStatus('a', 'processing'); // 1
    store.updateStatus('a', 'pending'); // 1
    const peer = new Scripted<StoreRequest>('store-scripted', { handle: store.handle } satisfies StoreScriptedData);
    started.push(peer);
    await peer.ok({ op: 'create', jobId: 'b' }); // 1, counted by the worker
    await peer.ok({ op: 'updateStatus', jobId: 'b', status: 'processing' }); // 1
    await peer.ok({ op: 'updateStatus', jobId: 'a', status: 'processing' }); // 1
    // Processing: refused, but only after taking the job's lock (1).
    expect(await peer.fails({ op: 'remove', jobId: 'a' })).toMatchObject({ code: 'ERR_JOB_PROCESSING' });
    const jobs = store.stats().locks.jobs;
    expect(jobs.acquisitions).toBe(7);
    expect(jobs.contended).toBe(0);
    // The store-wide locks keep their own figures.
    expect(store.stats().locks.structure.acquisitions).toBe(3); // two creates, one remove
    expect(store.stats().acquisitions).toBe(jobs.acquisitions + store.stats().locks.structure.acquisitions + store.stats().locks.queue.acquisitions);
  });

  it('stay zero with the global lock, which counts every call itself', () => {
    const store = JobStore.create({ capacity: 8, locking: 'global' });
    store.create('a');
    store.updateStatus('a', 'processing');
    const s = store.stats();
    expect(s.locks.jobs.acquisitions).toBe(0);
    expect(s.locks.global.acquisitions).toBe(2);
  });
});
