/**
 * No job claimed twice: 4 worker threads race claimNext() and claim(id) over
 * the same pending jobs. Every job is handed out exactly once in all.
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { Locking } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import type { ClaimRaceData, ClaimRaceResult } from '../fixtures/store-claim-race.js';

const WORKERS = 4;
const JOBS = 3_000;

describe.each<Locking>(['global', 'per-job'])('claim race (locking %s)', (locking) => {
  it('every job is claimed exactly once across 4 threads', async () => {
    const store = JobStore.create({ capacity: JOBS, locking });
    const ids = Array.from({ length: JOBS }, (_, j) => `j${j}`);
    for (const id of ids) store.create(id);
    const ctrl = newControl();
    // Sweeps start a quarter apart and wrap, so every id is claim()ed by all 4 threads.
    const results = await runTogether<ClaimRaceResult>(
      Array.from({ length: WORKERS }, (_, w) => ({ fixture: 'store-claim-race', data: { ctrl, handle: store.handle, ids, offset: (w * JOBS) / WORKERS } satisfies ClaimRaceData })),
      ctrl,
    );
    const all = results.flatMap((r) => r.claimed);
    const seen = new Map<string, number>();
    for (const id of all) seen.set(id, (seen.get(id) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    expect(all).toHaveLength(JOBS);
    expect(new Set(all)).toEqual(new Set(ids));
    // The race was real: claims failed because another thread had the job, and several threads won some.
    expect(results.reduce((n, r) => n + r.lost, 0)).toBeGreaterThan(0);
    expect(results.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
    for (const s of store.list()) expect(s).toMatchObject({ status: 'processing', attempts: 1, version: 2 });
    expect(store.counts()).toEqual({ pending: 0, processing: JOBS, completed: 0, failed: 0, total: JOBS });
    expect(store.claimNext()).toBeUndefined();
  });
});
