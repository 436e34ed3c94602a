/**
 * Bad input gets a clear error, and nothing changes: every refused call
 * throws an instance of the right exported class with the right `code`, and
 * the store's whole buffer is byte-for-byte what it was, apart from lock
 * statistics (which count the attempt). Also: an aborted signal, and a lock
 * timeout while another worker holds the job's lock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError, DuplicateJobError, InvalidArgumentError, InvalidTransitionError, JobNotFoundError, JobProcessingError,
  DetachedError, JobStore, JobStoreError, LockTimeoutError, StaleClaimError, StoreFormatError, StoreFullError,
} from '@atomic-jobs/store';
import type { Locking, StoreHandle, StoreOptions } from '@atomic-jobs/store';
import { Scripted } from './helpers/threads.js';
import { firstDifference, storeImage } from './helpers/store-image.js';
import { lockStatisticsRanges } from '@atomic-jobs/store/testing';
import type { JobLockHolderData, JobLockRequest } from '../fixtures/job-lock-holder.js';

type ErrorClass = abstract new (...args: never[]) => JobStoreError;

const H_VERSION = 4; // layout version word (packages/store/src/layout.ts), for the wrong-version case

/** Where the slots start and how long one is: two stores one slot apart differ by one slot (33 and 34 share a bucket count). */
function slotGeometry(store: JobStore): { slotsOffset: number; slotBytes: number } {
  const opts = { maxIdBytes: store.maxIdBytes, maxErrorBytes: store.maxErrorBytes, locking: store.locking };
  const slotBytes = JobStore.create({ ...opts, capacity: 34 }).handle.buffer.byteLength - JobStore.create({ ...opts, capacity: 33 }).handle.buffer.byteLength;
  return { slotBytes, slotsOffset: store.handle.buffer.byteLength - store.capacity * slotBytes };
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** The call throws `cls` with `code`, and the store (every byte but lock statistics) is unchanged. */
function expectRefused(store: JobStore, label: string, fn: () => unknown, cls: ErrorClass, code: string): unknown {
  const before = storeImage(store);
  const list = store.list();
  const counts = store.counts();
  const err = catchErr(fn);
  expect(err, label).toBeInstanceOf(cls);
  expect(err, label).toBeInstanceOf(JobStoreError);
  expect((err as JobStoreError).code, label).toBe(code);
  expect(firstDifference(storeImage(store), before), `${label}: first changed byte`).toBe(-1);
  expect(store.list(), label).toEqual(list);
  expect(store.counts(), label).toEqual(counts);
  return err;
}

/** A store with a job in every status (ids named after it), lastErrors set, and one free slot. */
function populated(locking: Locking, capacity = 6): JobStore {
  const store = JobStore.create({ capacity, locking, maxIdBytes: 16 });
  for (const id of ['pending', 'processing', 'completed', 'failed', 'exhausted']) store.create(id, { maxRetries: id === 'exhausted' ? 1 : 3 });
  for (const id of ['processing', 'completed', 'failed', 'exhausted']) store.updateStatus(id, 'processing', `error of ${id}`);
  store.updateStatus('completed', 'completed');
  store.updateStatus('failed', 'failed', 'é😀');
  store.updateStatus('exhausted', 'failed', null);
  return store;
}

const BAD_IDS: unknown[] = [undefined, null, 42, true, {}, ['a'], Symbol('id'), new String('pending'), '', 'x'.repeat(17), 'é'.repeat(8) + 'x', '\uD800'];

describe.each<Locking>(['global', 'per-job'])('refused calls change nothing (locking %s)', (locking) => {
  it('control: the comparison ignores only lock statistics and sees any real change', () => {
    const store = populated(locking);
    const { slotsOffset, slotBytes } = slotGeometry(store);
    expect(slotsOffset % 64).toBe(0);
    expect(slotsOffset + store.capacity * slotBytes).toBe(store.handle.buffer.byteLength);
    // No byte of a slot is ever left out of the comparison.
    for (const [, end] of lockStatisticsRanges(store.handle)) expect(end).toBeLessThanOrEqual(slotsOffset);
    const raw = new Uint8Array(store.handle.buffer.slice(0));
    const before = storeImage(store);
    // A refused transition takes a lock: statistics move, nothing else.
    expect(catchErr(() => store.updateStatus('completed', 'failed'))).toBeInstanceOf(InvalidTransitionError);
    expect(firstDifference(new Uint8Array(store.handle.buffer.slice(0)), raw)).not.toBe(-1);
    expect(firstDifference(storeImage(store), before)).toBe(-1);
    // A successful change is seen, in the job's slot too (not only in list words).
    store.updateStatus('failed', 'pending');
    const after = storeImage(store);
    expect(firstDifference(after, before)).not.toBe(-1);
    expect(firstDifference(after.subarray(slotsOffset), before.subarray(slotsOffset))).not.toBe(-1);
  });

  it('bad ids, in every method that takes one', () => {
    const store = populated(locking);
    for (const id of BAD_IDS) {
      const bad = id as string;
      const label = typeof id === 'symbol' ? 'symbol' : JSON.stringify(id) ?? String(id);
      expectRefused(store, `create(${label})`, () => store.create(bad), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
      expectRefused(store, `get(${label})`, () => store.get(bad), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
      expectRefused(store, `claim(${label})`, () => store.claim(bad), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
      expectRefused(store, `updateStatus(${label})`, () => store.updateStatus(bad, 'processing'), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
      expectRefused(store, `remove(${label})`, () => store.remove(bad), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    const err = catchErr(() => store.create(42 as unknown as string));
    expect(err).toMatchObject({ argument: 'id' });
    expect((err as Error).message).toMatch(/`id`.*got number 42/);
  });

  it('unknown statuses and non-string lastError', () => {
    const store = populated(locking);
    for (const status of ['done', 'PENDING', ' pending', '', undefined, null, 1, {}]) {
      expectRefused(store, `status ${String(status)}`, () => store.updateStatus('processing', status as 'pending'), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    for (const lastError of [1, 0, true, {}, ['e'], new String('e'), Symbol('e')]) {
      expectRefused(store, `lastError ${typeof lastError}`, () => store.updateStatus('processing', 'completed', lastError as string), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
  });

  it('bad options for create, updateStatus, list, reclaimStalled and retryFailed', () => {
    const store = populated(locking);
    for (const o of [null, 5, 'x', [], { maxRetries: -1 }, { maxRetries: 1.5 }, { maxRetries: '3' }, { maxRetries: Number.NaN }, { maxRetries: 2 ** 31 }]) {
      expectRefused(store, `create options ${JSON.stringify(o)}`, () => store.create('new', o as never), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    for (const o of [null, 5, [], { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { timeoutMs: '5' }, { signal: {} }, { signal: 'abort' }, { attempt: -1 }, { attempt: 1.5 }, { attempt: '1' }]) {
      expectRefused(store, `updateStatus options ${JSON.stringify(o)}`, () => store.updateStatus('processing', 'completed', 'x', o as never), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    for (const o of [null, 5, 'pending', [], { status: 'done' }, { status: 1 }]) {
      expectRefused(store, `list options ${JSON.stringify(o)}`, () => store.list(o as never), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    // reclaimStalled: the store holds a processing job, which a bad `now` read as "past its lease" would reclaim.
    for (const now of [Number.NaN, Infinity, -Infinity, '1e15', 10n]) {
      expectRefused(store, `reclaimStalled(${String(now)})`, () => store.reclaimStalled(now as number), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    for (const o of [null, 'x', [], { now: Number.NaN }, { now: '1e15' }, { onReclaimed: 'log' }, { onReclaimed: {} }, { now: Number.MAX_SAFE_INTEGER, onReclaimed: 1 }]) {
      expectRefused(store, `reclaimStalled options ${JSON.stringify(o)}`, () => store.reclaimStalled(o as never), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
    // retryFailed: the store holds a failed job with retries left, which a sweep would retry.
    for (const o of [null, 5, [], { onRetried: 'log' }, { onRetried: {} }]) {
      expectRefused(store, `retryFailed options ${JSON.stringify(o)}`, () => store.retryFailed(o as never), InvalidArgumentError, 'ERR_INVALID_ARGUMENT');
    }
  });

  it('refusals decided by the store: not found, duplicate, full, transition, processing, stale claim', () => {
    const store = populated(locking);
    expectRefused(store, 'claim unknown', () => store.claim('nope'), JobNotFoundError, 'ERR_JOB_NOT_FOUND');
    expectRefused(store, 'update unknown', () => store.updateStatus('nope', 'processing'), JobNotFoundError, 'ERR_JOB_NOT_FOUND');
    expectRefused(store, 'duplicate', () => store.create('failed'), DuplicateJobError, 'ERR_DUPLICATE_JOB');
    expectRefused(store, 'completed -> pending', () => store.updateStatus('completed', 'pending', 'x'), InvalidTransitionError, 'ERR_INVALID_TRANSITION');
    expectRefused(store, 'failed -> pending, no retries left', () => store.updateStatus('exhausted', 'pending', 'x'), InvalidTransitionError, 'ERR_INVALID_TRANSITION');
    expectRefused(store, 'remove processing', () => store.remove('processing'), JobProcessingError, 'ERR_JOB_PROCESSING');
    const attempt = store.get('processing')?.attempts ?? -1;
    expectRefused(store, 'stale attempt', () => store.updateStatus('processing', 'completed', 'x', { attempt: attempt + 1 }), StaleClaimError, 'ERR_STALE_CLAIM');
    expectRefused(store, 'attempt on a pending job', () => store.updateStatus('pending', 'processing', 'x', { attempt: 0 }), StaleClaimError, 'ERR_STALE_CLAIM');
    store.create('sixth');
    expectRefused(store, 'full', () => store.create('seventh'), StoreFullError, 'ERR_STORE_FULL');
    // The fencing token accepted when it matches.
    expect(store.updateStatus('processing', 'completed', undefined, { attempt })).toMatchObject({ status: 'completed' });
  });

  it('a detached instance: DetachedError for every call that takes a lock, and nothing changes', () => {
    const store = populated(locking);
    const gone = JobStore.attach(store.handle);
    gone.detach();
    gone.detach(); // idempotent
    const calls: [string, () => unknown][] = [
      ['create', () => gone.create('new')],
      ['claim', () => gone.claim('pending')],
      ['claimNext', () => gone.claimNext()],
      ['updateStatus', () => gone.updateStatus('processing', 'completed')],
      ['retryFailed', () => gone.retryFailed()],
      ['reclaimStalled', () => gone.reclaimStalled(Number.MAX_SAFE_INTEGER)],
      ['remove', () => gone.remove('completed')],
    ];
    for (const [label, call] of calls) expectRefused(store, `detached ${label}`, call, DetachedError, 'ERR_DETACHED');
    // Lock-free reads still answer.
    expect(gone.get('pending')).toMatchObject({ id: 'pending', status: 'pending' });
  });

  it('an already aborted signal: AbortedError, and the job is untouched', () => {
    const store = populated(locking);
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    const err = expectRefused(store, 'aborted', () => store.updateStatus('processing', 'completed', 'x', { signal: ac.signal }), AbortedError, 'ERR_ABORTED');
    expect((err as Error).cause).toBe(ac.signal.reason);
  });
});

describe('JobStore.create and JobStore.attach refuse what they cannot use', () => {
  it('bad store options', () => {
    const bad: unknown[] = [
      undefined, null, 5, 'x', [], {}, { capacity: 0 }, { capacity: -1 }, { capacity: 1.5 }, { capacity: '8' }, { capacity: Number.NaN },
      { capacity: 2 ** 40 }, { capacity: 8, maxIdBytes: 0 }, { capacity: 8, maxIdBytes: 65_536 }, { capacity: 8, maxIdBytes: '64' },
      { capacity: 8, maxErrorBytes: 0 }, { capacity: 8, maxErrorBytes: 1.5 }, { capacity: 8, locking: 'none' }, { capacity: 8, locking: 1 },
    ];
    for (const o of bad) {
      const err = catchErr(() => JobStore.create(o as StoreOptions));
      expect(err, JSON.stringify(o)).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });

  it('attach to a non-store, wrong magic, wrong version, truncated or padded buffer: StoreFormatError', () => {
    const store = populated('per-job');
    const real = new Uint8Array(store.handle.buffer);
    const copy = (length: number, patch?: (u8: Uint8Array) => void): StoreHandle => {
      const buffer = new SharedArrayBuffer(length);
      const u8 = new Uint8Array(buffer);
      u8.set(real.subarray(0, Math.min(length, real.length)));
      patch?.(u8);
      return { ...store.handle, buffer };
    };
    // Sanity: an exact copy attaches and is the same store.
    expect(JobStore.attach(copy(real.length)).list()).toEqual(store.list());
    const cases: [string, unknown][] = [
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['an empty object', {}],
      ['an ArrayBuffer', { ...store.handle, buffer: new ArrayBuffer(real.length) }],
      ['a tiny buffer', { ...store.handle, buffer: new SharedArrayBuffer(8) }],
      ['zeroed memory', { ...store.handle, buffer: new SharedArrayBuffer(real.length) }],
      ['wrong magic', copy(real.length, (u8) => (u8[0] = (u8[0] ?? 0) ^ 0xff))],
      ['wrong layout version', copy(real.length, (u8) => new DataView(u8.buffer).setInt32(H_VERSION, 999, true))],
      ['truncated', copy(real.length - 64)],
      ['padded', copy(real.length + 64)],
    ];
    const before = storeImage(store);
    for (const [label, handle] of cases) {
      const err = catchErr(() => JobStore.attach(handle as StoreHandle));
      expect(err, label).toBeInstanceOf(StoreFormatError);
      expect(err, label).toMatchObject({ code: 'ERR_STORE_FORMAT' });
    }
    expect(firstDifference(storeImage(store), before)).toBe(-1);
  });
});

describe.each<Locking>(['global', 'per-job'])('waiting for a lock another worker holds (locking %s)', (locking) => {
  let worker: Scripted<JobLockRequest> | undefined;
  afterEach(async () => {
    await worker?.terminate();
    worker = undefined;
  });

  it('timeoutMs gives LockTimeoutError, an aborted signal AbortedError, and the job is untouched', async () => {
    const store = populated(locking, 5);
    // The worker takes the lock guarding the job (the global lock, or the job's own) as a store call would.
    worker = new Scripted<JobLockRequest>('job-lock-holder', { handle: store.handle } satisfies JobLockHolderData);
    // Its first lock registers the worker's thread in the store's registry
    // (a lock holder must have a live entry): done before the image is taken.
    await worker.ok({ op: 'lock', jobId: 'processing' });
    await worker.ok({ op: 'unlock' });
    const before = storeImage(store);
    const list = store.list();
    await worker.ok({ op: 'lock', jobId: 'processing' });
    // Long enough for two of the waiter's 50 ms polls, at each of which it
    // asks whether the holder is alive: the holder keeps its lock.
    const err = catchErr(() => store.updateStatus('processing', 'completed', 'late', { timeoutMs: 120 }));
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect(err).toMatchObject({ code: 'ERR_LOCK_TIMEOUT', timeoutMs: 120 });
    const ac = new AbortController();
    ac.abort();
    expect(catchErr(() => store.updateStatus('processing', 'completed', 'late', { signal: ac.signal, timeoutMs: 1000 }))).toMatchObject({ code: 'ERR_ABORTED' });
    // Reads take no lock: they still work while the writer lock is held.
    if (locking === 'per-job') expect(store.get('processing')).toEqual(list.find((s) => s.id === 'processing'));
    await worker.ok({ op: 'unlock' });
    expect(firstDifference(storeImage(store), before)).toBe(-1);
    expect(store.list()).toEqual(list);
    // And the job is usable again.
    expect(store.updateStatus('processing', 'completed', 'done', { timeoutMs: 1000 })).toMatchObject({ status: 'completed', lastError: 'done' });
  });
});
