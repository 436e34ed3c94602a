/**
 * The Go system's job-processing scenario on the real piscina pool: a producer
 * thread creates jobs, every thread claims and processes them, failing by a
 * deterministic rule, and a sweeper re-queues failures. The final counts must
 * be exactly the ones the rule dictates, in both locking modes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { JobStore, type Locking } from '@atomic-jobs/store';
import { RacePool, verifyJobRun, jobScenarioConfig, type JobWorkerResult } from '@atomic-jobs/workers';

const THREADS = 2;

describe.each<Locking>(['per-job', 'global'])('job scenario on the pool (locking %s)', (locking) => {
  const store = JobStore.create({ capacity: 1_000, locking });
  const pool = new RacePool({ store, threads: THREADS });
  afterAll(() => pool.close());

  it('ends with the exact counts of the failure rule (maxRetries 3: job i fails its first i % 4 attempts)', async () => {
    // 600 jobs: i % 4 = 0, 1, 2 complete after 1, 2, 3 attempts; i % 4 = 3 fails 3 times for good.
    const report = await pool.runJobScenario({ jobs: 600, maxRetries: 3, workIterations: 200, cleanup: false });
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pending: 0, processing: 0, completed: 450, failed: 150, total: 600 });
    expect(report.attempts).toBe(150 * (1 + 2 + 3 + 3));
    expect(report.failedAttempts).toBe(150 * (0 + 1 + 2 + 3));
    const jobs = store.list();
    expect(jobs).toHaveLength(600);
    for (const j of jobs) {
      expect(j.attempts).toBeGreaterThanOrEqual(1);
      expect(j.attempts).toBeLessThanOrEqual(j.maxRetries);
    }
    // The permanently failed ones carry the last failure's message.
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed.every((j) => j.attempts === 3 && /attempt 3$/.test(j.lastError ?? ''))).toBe(true);
    for (const j of jobs) store.remove(j.id);
  });

  it('ends with the exact counts for another rule (maxRetries 2, failCycle 5) and leaves the store empty', async () => {
    // 500 jobs: i % 5 = 0, 1 complete after 1, 2 attempts; i % 5 = 2, 3, 4 fail twice for good.
    const report = await pool.runJobScenario({ jobs: 500, maxRetries: 2, failCycle: 5, workIterations: 0 });
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pending: 0, processing: 0, completed: 200, failed: 300, total: 500 });
    expect(report.attempts).toBe(100 * 1 + 100 * 2 + 300 * 2);
    expect(store.counts().total).toBe(0);
  });
});

describe('verifyJobRun', () => {
  // The checks above are only as good as the verifier: feed it doctored runs.
  const config = jobScenarioConfig({ jobs: 2, maxRetries: 2, failCycle: 3 });
  const result = (pairs: number[]): JobWorkerResult => ({
    worker: 0, processed: Int32Array.from(pairs), created: 2, completed: 0, failedAttempts: 0, swept: 0, startedAt: 0, finishedAt: 1, refusals: [], workChecksum: 0,
  });
  const snap = (id: string, status: 'completed' | 'failed', attempts: number) => ({
    id, status, attempts, maxRetries: 2, lastError: null, lastErrorTruncated: false, version: 1, createdAt: 0, updatedAt: 0,
  });
  const finals = [snap('p0', 'completed', 1), snap('p1', 'completed', 2)];
  const counts = { pending: 0, processing: 0, completed: 2, failed: 0, total: 2 };

  it('reports an attempt processed twice and a wrong count', () => {
    const ok = verifyJobRun(config, 'p', [{ ...result([0, 1, 1, 1, 1, 2]), failedAttempts: 1 }], finals, counts);
    expect(ok.problems).toEqual([]);
    const twice = verifyJobRun(config, 'p', [{ ...result([0, 1, 1, 1, 1, 2]), failedAttempts: 1 }, result([1, 2])], finals, counts);
    expect(twice.problems.join('\n')).toMatch(/job 1 attempt 2 processed twice/);
    const wrong = verifyJobRun(config, 'p', [{ ...result([0, 1, 1, 1, 1, 2]), failedAttempts: 1 }], finals, { ...counts, completed: 1, failed: 1 });
    expect(wrong.problems.join('\n')).toMatch(/counts.completed = 1, expected 2/);
  });
});
