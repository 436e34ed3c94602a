/**
 * Exact exclusion through the store: 4 worker threads fire updateStatus at
 * ONE job. The versions returned by the successful updates are all distinct
 * and are exactly 2..N+1: no two updates ever ran inside the same critical
 * section, and none was lost.
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { Locking } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import type { HotData, HotResult } from '../fixtures/store-hot.js';

const WORKERS = 4;
const OPS = 6_000;

describe.each<Locking>(['global', 'per-job'])('one hot job (locking %s)', (locking) => {
  it('successful updates from 4 threads return versions 2..N+1 with no gap and no repeat', async () => {
    const store = JobStore.create({ capacity: 4, locking });
    store.create('bystander');
    const created = store.create('hot', { maxRetries: 1_000_000_000 });
    const ctrl = newControl();
    const results = await runTogether<HotResult>(
      Array.from({ length: WORKERS }, (_, w) => ({ fixture: 'store-hot', data: { ctrl, handle: store.handle, id: 'hot', ops: OPS, seed: 77 + w } satisfies HotData })),
      ctrl,
    );
    const versions = results.flatMap((r) => r.versions).sort((a, b) => a - b);
    const n = versions.length;
    expect(n).toBeGreaterThan(WORKERS * OPS * 0.2);
    expect(versions).toEqual(Array.from({ length: n }, (_, i) => created.version + 1 + i));
    // Every thread got some of them: the updates really interleaved.
    for (const r of results) expect(r.versions.length).toBeGreaterThan(0);
    const hot = store.get('hot');
    expect(hot?.version).toBe(n + 1);
    expect(hot?.attempts).toBe(results.reduce((k, r) => k + r.entered, 0));
    expect(store.get('bystander')).toMatchObject({ status: 'pending', version: 1 });
    const counts = store.counts();
    expect(counts.total).toBe(2);
    expect(counts[hot?.status ?? 'completed']).toBe(hot?.status === 'pending' ? 2 : 1);
  });
});
