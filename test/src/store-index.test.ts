/**
 * The shared id -> slot index: chains of colliding ids, removal from every
 * position of a chain, slot reuse, a full store, removal rules, and exact
 * counts throughout (checked against a model after every operation).
 */
import { describe, expect, it } from 'vitest';
import { JobProcessingError, JobStore, StoreFullError } from '@atomic-jobs/store';
import type { JobCounts, JobSnapshot, JobStatus, Locking } from '@atomic-jobs/store';

const MODES: readonly Locking[] = ['global', 'per-job'];

/**
 * The store's id hash (FNV-1a over UTF-16 code units, scanId in
 * packages/store/src/utf8.ts), restated so the test can choose ids that
 * collide. Buckets are the next power of two >= 2 x capacity, and an id's
 * bucket is hash & (buckets - 1).
 */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** `count` ids that share one bucket of a store with `buckets` buckets. */
function sameBucket(buckets: number, count: number, prefix: string): string[] {
  const byBucket = new Map<number, string[]>();
  for (let i = 0; ; i++) {
    const id = `${prefix}${i}`;
    const b = fnv1a(id) & (buckets - 1);
    const list = byBucket.get(b) ?? [];
    list.push(id);
    byBucket.set(b, list);
    if (list.length === count) return list;
  }
}

/** Two ids with the same full 32-bit hash (found by search; checked below). */
const FULL_COLLISION = ['k4uzx', 'kf2ad'] as const;

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

function recount(store: JobStore): JobCounts {
  const c: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: 0 };
  for (const s of store.list()) {
    c[s.status]++;
    c.total++;
  }
  return c;
}

function byId(list: JobSnapshot[]): Map<string, JobSnapshot> {
  return new Map(list.map((s) => [s.id, s]));
}

describe.each(MODES)('index (locking %s)', (locking) => {
  it('ids with the same full hash are distinct jobs', () => {
    const [a, b] = FULL_COLLISION;
    expect(fnv1a(a)).toBe(fnv1a(b));
    const store = JobStore.create({ capacity: 8, locking });
    store.create(a);
    expect(store.get(b)).toBeUndefined();
    expect(store.remove(b)).toBe(false);
    expect(catchErr(() => store.claim(b))).toMatchObject({ code: 'ERR_JOB_NOT_FOUND', id: b });
    store.create(b);
    expect(store.claim(a)?.id).toBe(a);
    expect(store.get(b)).toMatchObject({ id: b, status: 'pending', version: 1 });
    store.updateStatus(b, 'processing', 'b only');
    expect(store.get(a)).toMatchObject({ id: a, status: 'processing', lastError: null, version: 2 });
    store.updateStatus(a, 'completed');
    expect(store.remove(a)).toBe(true);
    expect(store.get(a)).toBeUndefined();
    expect(store.get(b)).toMatchObject({ id: b, lastError: 'b only' });
    store.create(a);
    expect(store.get(a)).toMatchObject({ id: a, version: 1, status: 'pending' });
    expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 0, failed: 0, total: 2 });
  });

  for (const position of [0, 1, 2, 3]) {
    it(`removing the chain member created ${position === 0 ? 'first' : position === 3 ? 'last' : `in position ${position}`} keeps the rest reachable`, () => {
      const capacity = 8;
      const buckets = 16; // two per job, a power of two (layout.ts)
      const chain = sameBucket(buckets, 4, 'chain-');
      const others = sameBucket(buckets, 2, 'other-').filter((id) => (fnv1a(id) & (buckets - 1)) !== (fnv1a(chain[0] ?? '') & (buckets - 1)));
      const store = JobStore.create({ capacity, locking });
      // The header's bucket count (H_BUCKETS, byte 28): the chain above is one chain only if it matches.
      expect(new Int32Array(store.handle.buffer)[28 >> 2]).toBe(buckets);
      for (const id of [...chain, ...others]) store.create(id);
      const gone = chain[position] ?? '';
      const before = byId(store.list());
      expect(store.remove(gone)).toBe(true);
      expect(store.get(gone)).toBeUndefined();
      expect(store.remove(gone)).toBe(false);
      for (const id of [...chain, ...others]) if (id !== gone) expect(store.get(id)).toEqual(before.get(id));
      // The survivors still work through the index, one by one.
      for (const id of chain) {
        if (id === gone) continue;
        expect(store.claim(id)).toMatchObject({ id, status: 'processing', attempts: 1 });
        expect(store.updateStatus(id, 'completed')).toMatchObject({ id, status: 'completed', version: 3 });
      }
      expect(store.create(gone)).toMatchObject({ id: gone, version: 1, status: 'pending' });
      expect(store.counts()).toEqual({ pending: 1 + others.length, processing: 0, completed: 3, failed: 0, total: 4 + others.length });
      expect(recount(store)).toEqual(store.counts());
    });
  }

  it('a full store refuses create with StoreFullError and changes nothing; removes free slots for reuse', () => {
    const capacity = 8;
    const store = JobStore.create({ capacity, locking });
    const ids = Array.from({ length: capacity }, (_, i) => `full-${i}`);
    for (const id of ids) store.create(id);
    const snapshot = store.list();
    const counts = store.counts();
    const err = catchErr(() => store.create('one-too-many'));
    expect(err).toBeInstanceOf(StoreFullError);
    expect(err).toMatchObject({ code: 'ERR_STORE_FULL', capacity });
    expect(store.list()).toEqual(snapshot);
    expect(store.counts()).toEqual(counts);
    expect(store.get('one-too-many')).toBeUndefined();
    // Reuse: each remove makes room for exactly one create, many times over.
    for (let round = 0; round < 50; round++) {
      const victim = store.list()[round % capacity]?.id ?? '';
      expect(store.remove(victim)).toBe(true);
      store.create(`reused-${round}`);
      expect(catchErr(() => store.create(`overflow-${round}`))).toBeInstanceOf(StoreFullError);
      expect(store.counts()).toEqual({ pending: capacity, processing: 0, completed: 0, failed: 0, total: capacity });
    }
    expect(store.list()).toHaveLength(capacity);
    // Emptied completely and refilled.
    for (const s of store.list()) expect(store.remove(s.id)).toBe(true);
    expect(store.counts().total).toBe(0);
    expect(store.claimNext()).toBeUndefined();
    for (const id of ids) store.create(id);
    expect(store.claimNext()?.id).toBe(ids[0]);
  });

  it('remove refuses a processing job, returns false when absent, and unlinks queued jobs', () => {
    const store = JobStore.create({ capacity: 8, locking });
    expect(store.remove('never')).toBe(false);
    store.create('busy');
    const busy = store.claim('busy');
    const err = catchErr(() => store.remove('busy'));
    expect(err).toBeInstanceOf(JobProcessingError);
    expect(err).toMatchObject({ code: 'ERR_JOB_PROCESSING', id: 'busy' });
    expect(store.get('busy')).toEqual(busy);
    store.updateStatus('busy', 'completed');
    expect(store.remove('busy')).toBe(true);
    // A removed pending job is never claimed; a removed retryable failed job is never retried.
    for (const id of ['p1', 'p2', 'p3', 'f1']) store.create(id);
    store.claim('f1');
    store.updateStatus('f1', 'failed');
    expect(store.remove('p2')).toBe(true);
    expect(store.remove('f1')).toBe(true);
    expect(store.retryFailed()).toBe(0);
    expect([store.claimNext()?.id, store.claimNext()?.id, store.claimNext()]).toEqual(['p1', 'p3', undefined]);
    expect(store.counts()).toEqual({ pending: 0, processing: 2, completed: 0, failed: 0, total: 2 });
  });

  it('counts() and list() match a model after every operation of a long random sequence over colliding ids', () => {
    const capacity = 8;
    const pool = [...sameBucket(capacity, 6, 'm-'), ...FULL_COLLISION, 'x', 'y', 'é', '😀'];
    const store = JobStore.create({ capacity, locking });
    const model = new Map<string, { status: JobStatus; version: number; attempts: number }>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const statuses: JobStatus[] = ['pending', 'processing', 'completed', 'failed'];
    for (let step = 0; step < 3000; step++) {
      const id = pool[rnd(pool.length)] ?? 'x';
      const m = model.get(id);
      switch (rnd(4)) {
        case 0:
          if (m !== undefined) expect(catchErr(() => store.create(id))).toMatchObject({ code: 'ERR_DUPLICATE_JOB' });
          else if (model.size === capacity) expect(catchErr(() => store.create(id))).toMatchObject({ code: 'ERR_STORE_FULL' });
          else {
            store.create(id, { maxRetries: 1000 });
            model.set(id, { status: 'pending', version: 1, attempts: 0 });
          }
          break;
        case 1:
          if (m?.status === 'processing') expect(catchErr(() => store.remove(id))).toMatchObject({ code: 'ERR_JOB_PROCESSING' });
          else {
            expect(store.remove(id)).toBe(m !== undefined);
            model.delete(id);
          }
          break;
        default: {
          const to = statuses[rnd(4)] ?? 'pending';
          if (m === undefined) {
            expect(catchErr(() => store.updateStatus(id, to))).toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
            break;
          }
          const ok = (m.status === 'pending' && to === 'processing') || (m.status === 'processing' && to !== 'processing') || (m.status === 'failed' && to === 'pending');
          if (!ok) {
            expect(catchErr(() => store.updateStatus(id, to))).toMatchObject({ code: 'ERR_INVALID_TRANSITION' });
            break;
          }
          store.updateStatus(id, to);
          model.set(id, { status: to, version: m.version + 1, attempts: m.attempts + (to === 'processing' ? 1 : 0) });
        }
      }
      // Compared as plain data first (cheap); expect() only to report a mismatch.
      const listed = store.list().map((s) => [s.id, { status: s.status, version: s.version, attempts: s.attempts }] as const);
      const got = { listed: new Map(listed), size: listed.length, counts: store.counts(), gets: pool.map((p) => store.get(p)?.version) };
      const want = { listed: model, size: model.size, counts: recount(store), gets: pool.map((p) => model.get(p)?.version) };
      if (JSON.stringify({ ...got, listed: [...got.listed].sort() }) !== JSON.stringify({ ...want, listed: [...want.listed].sort() })) {
        expect({ step, ...got }).toEqual({ step, ...want });
      }
    }
  });
});
