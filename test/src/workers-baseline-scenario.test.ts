/**
 * The comlink baseline (the Go InMemoryJobStore in one owner thread) runs the
 * same job scenario, from the same pool threads, with the same exact counts;
 * and its refusals arrive as the store's own error classes and codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTransitionError, JobNotFoundError, JobStore, StaleClaimError } from '@atomic-jobs/store';
import { RacePool, startComlinkBaseline, type ComlinkBaseline } from '@atomic-jobs/workers';

describe('comlink baseline', () => {
  let baseline: ComlinkBaseline;
  const pool = new RacePool({ store: JobStore.create({ capacity: 8 }), threads: 2 });
  beforeAll(async () => {
    baseline = await startComlinkBaseline();
  });
  afterAll(async () => {
    await baseline.close();
    await pool.close();
  });

  it('runs the job scenario from pool threads with the exact counts of the rule', async () => {
    // 400 jobs, maxRetries 3: i % 4 = 0, 1, 2 complete; i % 4 = 3 fail for good after 3 attempts.
    const report = await pool.runBaselineJobScenario(baseline, { jobs: 400, maxRetries: 3, workIterations: 0 });
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pending: 0, processing: 0, completed: 300, failed: 100, total: 400 });
    expect(report.attempts).toBe(100 * (1 + 2 + 3 + 3));
    expect(await baseline.store.counts()).toEqual(report.counts);
  });

  it('sends refusals back as the store error classes, with their codes', async () => {
    const s = baseline.store;
    await s.create('e1', { maxRetries: 1 });
    const claimed = await s.claimNext();
    expect(claimed).toMatchObject({ id: 'e1', status: 'processing', attempts: 1, version: 2 });
    const stale = await s.updateStatus('e1', 'completed', null, { attempt: 7 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleClaimError);
    expect(stale).toMatchObject({ code: 'ERR_STALE_CLAIM', id: 'e1', attempt: 7, currentAttempt: 1 });
    await s.updateStatus('e1', 'failed', 'boom', { attempt: 1 });
    const noRetry = await s.updateStatus('e1', 'pending').catch((e: unknown) => e);
    expect(noRetry).toBeInstanceOf(InvalidTransitionError);
    expect(noRetry).toMatchObject({ code: 'ERR_INVALID_TRANSITION', from: 'failed', to: 'pending' });
    expect(await s.retryFailed()).toBe(0);
    const missing = await s.claim('nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(JobNotFoundError);
    expect(missing).toMatchObject({ code: 'ERR_JOB_NOT_FOUND', name: 'JobNotFoundError' });
    expect(await s.get('e1')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'boom' });
  });
});
