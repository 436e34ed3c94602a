/**
 * The bounded stress run of CI: a piscina pool of 4 workers races on a few
 * hot jobs, every history is checked for linearizability, and the run must
 * end with 0 violations and 0 unknown verdicts, for both locking modes; then
 * the same with workers terminated at random moments (their in-flight
 * operation checked as an unknown outcome), and killed while parked inside
 * the store's critical sections; and with the workers reading under locks
 * (`reads: 'locked'`). A last run on a deliberately
 * broken store shows the same pipeline failing.
 * (Needs the compiled worker: `npx tsc -b test`.)
 */
import { describe, expect, it } from 'vitest';
import type { Locking } from '@atomic-jobs/store';
import { runStress, type StressSummary } from './stress/run.js';

const SEED = 20_261_129;

function explain(s: StressSummary): string {
  return s.reports.join('\n\n');
}

describe.each<Locking>(['per-job', 'global'])('stress (%s locking)', (locking) => {
  it('every recorded history is linearizable', async () => {
    const s = await runStress({ workers: 4, ops: 20_000, durationMs: 30_000, seed: SEED, locking, jobs: 4, historyOps: 400, checkTimeoutMs: 20_000 });
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    // The run did what it claims: real histories of both shapes, with threads really overlapping.
    expect(s.operations).toBeGreaterThan(0);
    expect(s.histories).toBeGreaterThanOrEqual(2);
    expect(s.checkedWhole).toBeGreaterThan(0);
    expect(s.checkedPerJob).toBeGreaterThan(0);
    expect(s.overlapping).toBeGreaterThan(0);
    expect(s.byLocking[locking]).toBe(s.histories);
    // Sweeps ran and took claims back, each reclaim checked as the job onReclaimed reported.
    expect(s.opCounts['reclaimStalled']).toBeGreaterThan(0);
    expect(s.stalledReclaimed).toBeGreaterThan(0);
    expect(s.opCounts['reclaimJob']).toBe(s.stalledReclaimed);
    // list() ran: one instant under the global lock, split into one get per job otherwise.
    expect(s.opCounts['list']).toBeGreaterThan(0);
  });

  it('...also with threads pausing inside the critical sections (fault points)', async () => {
    // Pauses of 0.1-1 ms at the store's fault points widen every window in
    // which another thread could see a change half made.
    const s = await runStress({ workers: 4, ops: 8000, durationMs: 30_000, seed: SEED, locking, jobs: 4, historyOps: 400, checkTimeoutMs: 20_000, pauseChance: 0.2 });
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    expect(s.histories).toBeGreaterThanOrEqual(2);
  });

  it('...and with the workers reading under locks (reads: locked, the default off x86-64), pausing too', async () => {
    const s = await runStress({
      workers: 4, ops: 8000, durationMs: 30_000, seed: SEED + 1, locking, jobs: 4, historyOps: 400, checkTimeoutMs: 20_000, pauseChance: 0.2, reads: 'locked',
    });
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    expect(s.histories).toBeGreaterThanOrEqual(2);
    expect(s.checkedWhole).toBeGreaterThan(0);
  });
});

describe('stress with workers killed at random moments', () => {
  it('in-flight operations of killed workers are checked as unknown outcomes; nothing hangs', async () => {
    const s = await runStress({
      workers: 4, ops: 5000, durationMs: 30_000, seed: SEED, locking: 'both', jobs: 4, historyOps: 400, checkTimeoutMs: 20_000,
      killEveryMs: 10, hangMs: 20_000,
    });
    expect(s.hung, explain(s)).toBe(0);
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    expect(s.workersKilled).toBeGreaterThan(0);
    // counts() ran in the global-lock histories: their one-instant counts survive the recoveries too.
    expect(s.opCounts['counts']).toBeGreaterThan(0);
  });

  it('many hot jobs, so sweeps reclaim many claims at once, with kills: every reported reclaim checked, no checker budget exceeded', async () => {
    // Sweeps are logged job by job (onReclaimed), so the checker follows them
    // step by step; known only by their counts, sweeps over 16 jobs made it
    // run out of time (k!/(k-n)! candidate queue orders).
    const s = await runStress({
      workers: 4, ops: 3000, durationMs: 30_000, seed: SEED, locking: 'both', jobs: 16, historyOps: 300, checkTimeoutMs: 20_000,
      killInsideChance: 0.01, killEveryMs: 20, hangMs: 20_000,
    });
    expect(s.hung, explain(s)).toBe(0);
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    expect(s.opCounts['reclaimJob']).toBeGreaterThan(0);
    expect(s.workersKilled).toBeGreaterThan(0);
  });

  it('workers killed INSIDE critical sections (holding locks, mid-write): locks recovered, jobs repaired, histories still linearizable', async () => {
    const s = await runStress({
      workers: 4, ops: 4000, durationMs: 40_000, seed: SEED, locking: 'both', jobs: 4, historyOps: 200, checkTimeoutMs: 20_000,
      killInsideChance: 0.01, hangMs: 20_000,
    });
    expect(s.hung, explain(s)).toBe(0);
    expect(s.violations, explain(s)).toBe(0);
    expect(s.unknown, explain(s)).toBe(0);
    expect(s.killedInside).toBeGreaterThanOrEqual(1);
    expect(s.locksRecovered).toBeGreaterThanOrEqual(1);
    expect(s.jobsRepaired).toBeGreaterThanOrEqual(1);
    // A recovery puts the dead thread's status counters back with the job: counts() checked after it.
    expect(s.opCounts['counts']).toBeGreaterThan(0);
  });
});

describe('stress on a deliberately broken store', () => {
  it('a check-then-act claim is caught as a violation', async () => {
    const s = await runStress({
      workers: 4, ops: 40_000, durationMs: 40_000, seed: SEED, locking: 'both', jobs: 2, historyOps: 400, checkTimeoutMs: 20_000,
      impl: 'check-then-act', stopOnViolation: true,
    });
    expect(s.violations).toBeGreaterThanOrEqual(1);
    expect(s.reports[0]).toContain('NOT LINEARIZABLE');
  });
});
