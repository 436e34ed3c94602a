/**
 * The stalled-job story with fencing (BullMQ's "lock mismatch", River's
 * rescuer lost update): worker A claims a job and stalls; its lease expires
 * and the job is reclaimed with its attempts kept; worker B claims it again;
 * A comes back and tries to finish its attempt — refused with ERR_STALE_CLAIM;
 * B finishes. Retries still stop at maxRetries across reclaims.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JobStore, StaleClaimError } from '@atomic-jobs/store';

const WAITER = new URL('../dist/fixtures/faults-waiter.js', import.meta.url);

function inWorker(store: JobStore, id: string, status: 'completed' | 'failed', attempt: number): Promise<{ ok: boolean; code?: string; snapshot?: { attempts: number; status: string } }> {
  const w = new Worker(WAITER, { workerData: { handle: store.handle, id, status, attempt } });
  return new Promise((resolve) => w.once('message', (m) => void w.terminate().then(() => resolve(m))));
}

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a presumed-dead worker that comes back cannot finish someone else\'s attempt', async () => {
    const store = JobStore.create({ capacity: 4, locking, leaseMs: 1 });
    store.create('job', { maxRetries: 3 });
    const a = store.claimNext();
    expect(a?.attempts).toBe(1);
    const now = Date.now() + 10; // the lease (1 ms) has expired by then
    expect(store.reclaimStalled(now)).toBe(1);
    expect(store.get('job')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(store.recovery().stalledReclaimed).toBe(1);
    const b = store.claimNext();
    expect(b?.attempts).toBe(2);
    // A (a real other thread) comes back with its old fencing token.
    const late = await inWorker(store, 'job', 'completed', 1);
    expect(late).toEqual({ ok: false, code: 'ERR_STALE_CLAIM' });
    expect(() => store.updateStatus('job', 'failed', 'late', { attempt: 1 })).toThrow(StaleClaimError);
    expect(store.get('job')).toMatchObject({ status: 'processing', attempts: 2, version: 4 });
    const done = await inWorker(store, 'job', 'completed', 2);
    expect(done.ok).toBe(true);
    expect(store.get('job')).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('attempts are kept across reclaims, so retries still stop at maxRetries', () => {
    const store = JobStore.create({ capacity: 4, locking, leaseMs: 1 });
    store.create('job', { maxRetries: 2 });
    store.claimNext();
    expect(store.reclaimStalled(Date.now() + 10)).toBe(1);
    const second = store.claimNext();
    expect(second?.attempts).toBe(2);
    store.updateStatus('job', 'failed', 'x', { attempt: 2 });
    expect(store.retryFailed()).toBe(0); // 2 of 2 attempts used
    expect(store.get('job')).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('a job whose lease has not expired is not reclaimed', () => {
    const store = JobStore.create({ capacity: 4, locking, leaseMs: 60_000 });
    store.create('job');
    store.claimNext();
    expect(store.reclaimStalled()).toBe(0);
    expect(store.get('job')?.status).toBe('processing');
  });
});
