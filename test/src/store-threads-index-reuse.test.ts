/**
 * The index under churn: 2 owner threads create, update and remove their ids
 * in a store whose 4 slots (4 buckets) cannot hold them all, while 2 reader
 * threads look every id up. A lookup finds nothing or that very job, in a
 * state its owner wrote; never a job that has since taken over its slot. At
 * the end no slot has leaked and the counters agree with a recount.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, StoreFullError } from '@atomic-jobs/store';
import type { Locking } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import { recycleReason, type RecycleData, type RecycleResult } from '../fixtures/store-recycle.js';

const CAPACITY = 4;
const ROUNDS = 800;

describe('the rule (control)', () => {
  it('rejects a snapshot carrying another job or another version', () => {
    const base = { id: 'a', status: 'processing' as const, attempts: 1, maxRetries: 3, lastErrorTruncated: false, createdAt: 1, updatedAt: 1 };
    expect(recycleReason({ ...base, version: 2, lastError: 'a|2|processing' })).toBeUndefined();
    expect(recycleReason({ ...base, version: 2, lastError: 'b|2|processing' })).toBeDefined();
    expect(recycleReason({ ...base, version: 3, lastError: 'a|2|processing' })).toBeDefined();
    expect(recycleReason({ ...base, status: 'pending', version: 1, lastError: null })).toBeUndefined();
    expect(recycleReason({ ...base, version: 1, lastError: null })).toBeDefined();
  });
});

describe.each<Locking>(['global', 'per-job'])('create/remove churn with concurrent lookups (locking %s)', (locking) => {
  it('lookups never see another job, and no slot leaks', async () => {
    const store = JobStore.create({ capacity: CAPACITY, locking });
    // Each owner keeps at most one of its ids alive at a time, so 2 owners fit in 4 slots.
    const own = [['a', 'b', 'c'], ['é', '😀', 'x']];
    const all = own.flat();
    const ctrl = newControl();
    const specs = [
      ...own.map((ids) => ({ fixture: 'store-recycle', data: { ctrl, handle: store.handle, role: 'owner', ids, rounds: ROUNDS, owners: 2 } satisfies RecycleData })),
      ...[0, 1].map(() => ({ fixture: 'store-recycle', data: { ctrl, handle: store.handle, role: 'reader', ids: all, rounds: 0, owners: 2 } satisfies RecycleData })),
    ];
    const results = await runTogether<RecycleResult>(specs, ctrl);
    for (const r of results) expect(r.bad).toEqual([]);
    expect(results.slice(0, 2).map((r) => r.cycles)).toEqual([3 * ROUNDS, 3 * ROUNDS]);
    // The readers overlapped the churn: they found jobs, and missed some.
    for (const r of results.slice(2)) {
      expect(r.hits).toBeGreaterThan(0);
      expect(r.hits).toBeLessThan(r.reads);
    }
    const alive = results.flatMap((r) => r.alive).sort();
    expect(store.list().map((s) => s.id).sort()).toEqual(alive);
    expect(store.counts()).toEqual({ pending: alive.length, processing: 0, completed: 0, failed: 0, total: alive.length });
    for (const id of all) expect(store.get(id)?.id).toBe(alive.includes(id) ? id : undefined);
    // Every slot is still usable: fill the store exactly.
    for (let k = alive.length; k < CAPACITY; k++) store.create(`fill-${k}`);
    expect(() => store.create('one-more')).toThrow(StoreFullError);
    // And the pending FIFO holds exactly the live jobs.
    const drained: string[] = [];
    for (let s = store.claimNext(); s !== undefined; s = store.claimNext()) drained.push(s.id);
    expect(drained.sort()).toEqual(store.list().map((s) => s.id).sort());
    expect(drained).toHaveLength(CAPACITY);
  });
});
