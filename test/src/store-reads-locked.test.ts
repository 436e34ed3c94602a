/**
 * `reads: 'locked'` (the default off x86-64): get, list and every lookup read
 * under the lock that guards what they read, instead of the lock-free
 * seqlock, so their answers rest on the ECMAScript memory model alone. These
 * tests count the acquisitions to show each read really takes that lock (and
 * a seqlock read none); store-threads-no-torn-snapshot and the stress run
 * check the answers with readers in both modes on other threads.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobNotFoundError, JobStore } from '@atomic-jobs/store';
import type { Locking, StoreStats } from '@atomic-jobs/store';

type LockName = keyof StoreStats['locks'];

function acquisitions(store: JobStore, lock: LockName): number {
  return store.stats().locks[lock].acquisitions;
}

/** How many acquisitions of `lock` running `fn` adds (the store's figures are shared by every instance). */
function added(store: JobStore, lock: LockName, fn: () => void): number {
  const before = acquisitions(store, lock);
  fn();
  return acquisitions(store, lock) - before;
}

describe('the read mode', () => {
  it('defaults to the seqlock on x64 only, and is chosen per instance', () => {
    const store = JobStore.create({ capacity: 4 });
    expect(store.reads).toBe(process.arch === 'x64' ? 'seqlock' : 'locked');
    expect(JobStore.create({ capacity: 4, reads: 'locked' }).reads).toBe('locked');
    expect(JobStore.attach(store.handle, { reads: 'locked' }).reads).toBe('locked');
    if (process.arch === 'x64') expect(JobStore.attach(store.handle, { reads: 'seqlock' }).reads).toBe('seqlock');
  });

  it('is only ever locked off x86-64, where the seqlock is refused', () => {
    const store = JobStore.create({ capacity: 4 });
    const arch = Object.getOwnPropertyDescriptor(process, 'arch');
    // The store asks process.arch at each create or attach: present ARM64.
    Object.defineProperty(process, 'arch', { value: 'arm64', configurable: true });
    try {
      expect(JobStore.create({ capacity: 4 }).reads).toBe('locked');
      expect(JobStore.attach(store.handle).reads).toBe('locked');
      expect(JobStore.attach(store.handle, { reads: 'locked' }).reads).toBe('locked');
      const seqlock = (): unknown => JobStore.attach(store.handle, { reads: 'seqlock' });
      expect(seqlock).toThrow(InvalidArgumentError);
      expect(seqlock).toThrow(/`options\.reads` to be 'locked' or undefined on arm64/);
      expect(() => JobStore.create({ capacity: 4, reads: 'seqlock' })).toThrow(/`options\.reads`/);
    } finally {
      if (arch !== undefined) Object.defineProperty(process, 'arch', arch);
    }
    expect(process.arch).toBe(arch?.value);
  });

  it('refuses anything else, naming the option', () => {
    const store = JobStore.create({ capacity: 4 });
    for (const bad of ['fast', 1, null]) {
      const attach = (): unknown => JobStore.attach(store.handle, { reads: bad as 'locked' });
      expect(attach).toThrow(InvalidArgumentError);
      expect(attach).toThrow(/`options\.reads`/);
      expect(() => JobStore.create({ capacity: 4, reads: bad as 'locked' })).toThrow(/`options\.reads`/);
    }
    expect(() => JobStore.attach(store.handle, 'locked' as never)).toThrow(/`options`/);
  });
});

describe.each<Locking>(['per-job', 'global'])('locked reads (%s locking)', (locking) => {
  const jobLock: LockName = locking === 'global' ? 'global' : 'jobs';
  const structure: LockName = locking === 'global' ? 'global' : 'structure';

  /** A store with jobs a, b (processing), c; `w` made them (in this machine's default mode), `locked` reads under locks. */
  function stores(): { w: JobStore; locked: JobStore } {
    const w = JobStore.create({ capacity: 8, locking });
    for (const id of ['a', 'b', 'c']) w.create(id);
    w.claim('b');
    return { w, locked: JobStore.attach(w.handle, { reads: 'locked' }) };
  }

  it('get takes the lock guarding the job, once a call, and answers as any read does', () => {
    const { w, locked } = stores();
    // A fresh instance (no hint yet) and a warm one (the hint's path) alike.
    for (const id of ['a', 'b', 'a', 'b', 'c']) {
      const expected = w.get(id);
      let got: unknown;
      expect(added(w, jobLock, () => (got = locked.get(id)))).toBe(1);
      expect(got).toEqual(expected);
    }
  });

  it('an id not found is confirmed under the lock guarding the index', () => {
    const { w, locked } = stores();
    expect(added(w, structure, () => expect(locked.get('nope')).toBeUndefined())).toBe(1);
    expect(added(w, structure, () => expect(() => locked.updateStatus('nope', 'processing')).toThrow(JobNotFoundError))).toBe(1);
    expect(added(w, structure, () => expect(() => locked.claim('nope')).toThrow(JobNotFoundError))).toBe(1);
  });

  it('list reads every job under its lock (per-job) or the one global lock', () => {
    const { w, locked } = stores();
    let got: unknown;
    expect(added(w, jobLock, () => (got = locked.list()))).toBe(locking === 'global' ? 1 : 3);
    expect(got).toEqual(w.list());
  });

  it.runIf(process.arch === 'x64')('(control) a seqlock read takes none of these locks', () => {
    const { w } = stores();
    const seq = JobStore.attach(w.handle, { reads: 'seqlock' });
    for (const id of ['a', 'b', 'a']) expect(added(w, jobLock, () => expect(seq.get(id)?.id).toBe(id))).toBe(0);
    expect(added(w, jobLock, () => seq.list())).toBe(locking === 'global' ? 1 : 0);
    if (locking === 'per-job') {
      // It trusts its lock-free walk's "not found" (a found slot is confirmed under its lock in both modes).
      expect(added(w, structure, () => expect(seq.get('nope')).toBeUndefined())).toBe(0);
      expect(added(w, structure, () => expect(() => seq.claim('nope')).toThrow(JobNotFoundError))).toBe(0);
    }
  });

  it('a removed job is gone for a locked reader that had a hint to its slot', () => {
    const { w, locked } = stores();
    expect(locked.get('a')?.status).toBe('pending');
    w.remove('a');
    w.create('d'); // reuses a's slot
    expect(locked.get('a')).toBeUndefined();
    expect(locked.get('d')?.id).toBe('d');
  });
});
