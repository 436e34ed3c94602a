/**
 * A worker waiting for a job's lock while the holder dies inside its critical
 * section is not left hanging: it learns from the registry that the owner is
 * dead, the interrupted change is rolled back, and its own update goes through.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { FaultWorkerData } from '../fixtures/faults-worker.js';

const DYING = new URL('../dist/fixtures/faults-worker.js', import.meta.url);
const WAITER = new URL('../dist/fixtures/faults-waiter.js', import.meta.url);

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a blocked updateStatus completes after the holder dies mid-write', async () => {
    const store = JobStore.create({ capacity: 4, locking });
    store.create('a');
    const claimed = store.claim('a');
    const flagBuf = new SharedArrayBuffer(8);
    const flag = new Int32Array(flagBuf);
    const dying = new Worker(DYING, { workerData: { handle: store.handle, flag: flagBuf, point: 'mid-write', how: 'hang', op: 'fail', id: 'a' } satisfies FaultWorkerData });
    const tid = dying.threadId;
    while (Atomics.load(flag, 0) === 0) await Atomics.waitAsync(flag, 0, 0, 20).value;
    // The waiter blocks on the lock the dying worker holds.
    const waiter = new Worker(WAITER, { workerData: { handle: store.handle, id: 'a', status: 'completed', attempt: claimed?.attempts } });
    const result = new Promise<{ ok: boolean; snapshot?: { status: string; version: number }; code?: string }>((resolve) => waiter.once('message', resolve));
    await dying.terminate();
    store.markThreadDead(tid);
    const r = await result;
    expect(r.ok).toBe(true);
    expect(r.snapshot).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
    await waiter.terminate();
    expect(store.recovery().locksRecovered).toBe(1);
    expect(store.recovery().jobsRepaired).toBe(1);
  });
});
