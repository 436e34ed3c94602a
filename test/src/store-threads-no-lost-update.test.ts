/**
 * No lost update: 4 worker threads attached to one store make random
 * transitions on 12 shared jobs. Afterwards every job's version is exactly 1
 * plus the successful transitions the threads counted for it (sweeps by
 * retryFailed accounted in total), its attempts exactly the entries into
 * processing they counted, no two successes returned the same version, and
 * counts() equals a recount from list().
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { JobCounts, JobSnapshot, Locking } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import type { ChurnData, ChurnResult } from '../fixtures/store-churn.js';

const WORKERS = 4;
const JOBS = 12;
const OPS = 5_000;

function recount(list: JobSnapshot[]): JobCounts {
  const c: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: 0 };
  for (const s of list) {
    c[s.status]++;
    c.total++;
  }
  return c;
}

describe.each<Locking>(['global', 'per-job'])('4 threads, random transitions (locking %s)', (locking) => {
  it('versions, attempts and counters add up exactly', async () => {
    const store = JobStore.create({ capacity: 32, locking });
    const ids = Array.from({ length: JOBS }, (_, j) => `job-${j}`);
    // A few jobs have a small retry budget, so the failed -> pending guard is decided under contention too.
    ids.forEach((id, j) => store.create(id, { maxRetries: j % 4 === 0 ? 3 : 1_000_000 }));
    const ctrl = newControl();
    const results = await runTogether<ChurnResult>(
      Array.from({ length: WORKERS }, (_, w) => ({ fixture: 'store-churn', data: { ctrl, handle: store.handle, ids, ops: OPS, seed: 1000 + w } satisfies ChurnData })),
      ctrl,
    );

    const swept = results.reduce((n, r) => n + r.swept, 0);
    let unexplained = 0;
    let successes = 0;
    ids.forEach((id, j) => {
      const job = store.get(id) as JobSnapshot;
      const transitions = results.reduce((n, r) => n + (r.transitions[j] ?? 0), 0);
      const entered = results.reduce((n, r) => n + (r.entered[j] ?? 0), 0);
      const versions = results.flatMap((r) => r.versions[j] ?? []);
      successes += transitions;
      // Sweeps are the only transitions not attributed to a job: never more than the slack.
      expect(job.version - 1 - transitions, id).toBeGreaterThanOrEqual(0);
      unexplained += job.version - 1 - transitions;
      expect(job.attempts, id).toBe(entered);
      // Each success returned its own version: none was lost under another.
      expect(new Set(versions).size, id).toBe(versions.length);
      expect(Math.max(1, ...versions), id).toBeLessThanOrEqual(job.version);
      expect(Math.min(...versions), id).toBeGreaterThanOrEqual(2);
      if (job.maxRetries === 3 && job.status === 'pending') expect(job.attempts, id).toBeLessThanOrEqual(3 + entered);
    });
    expect(unexplained).toBe(swept);
    // The run really contended: many successes and many refusals.
    expect(successes).toBeGreaterThan(WORKERS * OPS * 0.2);
    expect(results.reduce((n, r) => n + r.refused, 0)).toBeGreaterThan(0);

    const list = store.list();
    expect(list).toHaveLength(JOBS);
    expect(store.counts()).toEqual(recount(list));
    expect(store.counts().total).toBe(JOBS);
    // The pending FIFO holds exactly the pending jobs: claimNext drains them and nothing else.
    const pending = new Set(list.filter((s) => s.status === 'pending').map((s) => s.id));
    const drained = new Set<string>();
    for (let s = store.claimNext(); s !== undefined; s = store.claimNext()) drained.add(s.id);
    expect(drained).toEqual(pending);
  });
});
