/**
 * Mutex API semantics, each forced with a scripted worker that holds the
 * lock at an exact moment: tryLock, ownership, re-entry, timeout, abort,
 * lockAsync keeping the event loop alive, withLock, statistics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, DeadlockError, InvalidArgumentError, LockTimeoutError, Mutex, NotOwnerError } from '@atomic-jobs/store';
import { Scripted } from './helpers/threads.js';
import type { MutexRequest, MutexScriptedData } from '../fixtures/mutex-scripted.js';

const started: Scripted<MutexRequest>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.terminate()));
});

function holder(buffer: SharedArrayBuffer, byteOffset = 0): Scripted<MutexRequest> {
  const data: MutexScriptedData = { buffer, byteOffset };
  const s = new Scripted<MutexRequest>('mutex-scripted', data);
  started.push(s);
  return s;
}

function fresh(): Mutex {
  return new Mutex(new SharedArrayBuffer(Mutex.BYTES));
}

describe('new Mutex(buffer, byteOffset)', () => {
  it('rejects what is not a SharedArrayBuffer', () => {
    for (const bad of [new ArrayBuffer(64), undefined, null, {}, new Int32Array(new SharedArrayBuffer(64))]) {
      const err = catchSync(() => new Mutex(bad as unknown as SharedArrayBuffer));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'buffer' });
    }
  });

  it('rejects offsets that are negative, unaligned, non-integer or leave too little room', () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES * 2);
    for (const bad of [-8, 4, 1.5, Number.NaN, '0', buffer.byteLength - Mutex.BYTES + 8, buffer.byteLength]) {
      const err = catchSync(() => new Mutex(buffer, bad as number));
      expect(err, String(bad)).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'byteOffset' });
    }
  });

  it('accepts the last offset that fits, and locks there independently of offset 0', () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES * 2);
    const a = new Mutex(buffer, 0);
    const b = new Mutex(buffer, buffer.byteLength - Mutex.BYTES);
    a.lock();
    expect(b.tryLock()).toBe(true);
    expect(a.isHeldByMe && b.isHeldByMe).toBe(true);
    a.unlock();
    b.unlock();
  });

  it('rejects bad lock options', async () => {
    const m = fresh();
    for (const bad of [null, 5, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { timeoutMs: '5' }, { signal: {} }]) {
      expect(catchSync(() => m.lock(bad as never)), JSON.stringify(bad)).toBeInstanceOf(InvalidArgumentError);
      await expect(m.lockAsync(bad as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(m.owner).toBeUndefined();
  });
});

describe('Mutex between threads', () => {
  it('tryLock takes a free lock, and refuses one another thread holds', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const w = holder(buffer);
    expect(await w.ok({ op: 'tryLock' })).toBe(true);
    const workerId = await w.ok({ op: 'threadId' });
    expect(m.owner).toBe(workerId);
    expect(m.tryLock()).toBe(false);
    await w.ok({ op: 'unlock' });
    expect(m.tryLock()).toBe(true);
    expect(await w.ok({ op: 'tryLock' })).toBe(false);
    expect(m.tryLock()).toBe(false); // not re-entrant, and tryLock never blocks
    m.unlock();
  });

  it('unlock by a thread that does not hold it throws NotOwnerError and leaves the lock held', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const a = holder(buffer);
    const b = holder(buffer);
    // Unlocking a free lock.
    expect(catchSync(() => m.unlock())).toMatchObject({ code: 'ERR_NOT_OWNER' });
    await a.ok({ op: 'lock' });
    const aId = await a.ok({ op: 'threadId' });
    const mainErr = catchSync(() => m.unlock());
    expect(mainErr).toBeInstanceOf(NotOwnerError);
    expect(mainErr).toMatchObject({ code: 'ERR_NOT_OWNER', owner: aId });
    expect(await b.fails({ op: 'unlock' })).toMatchObject({ name: 'NotOwnerError', code: 'ERR_NOT_OWNER' });
    expect(m.owner).toBe(aId);
    expect(m.tryLock()).toBe(false);
    await a.ok({ op: 'unlock' });
    expect(m.owner).toBeUndefined();
    expect(await b.fails({ op: 'unlock' })).toMatchObject({ code: 'ERR_NOT_OWNER' });
  });

  it('re-locking in the same thread throws DeadlockError instead of hanging', async () => {
    const m = fresh();
    m.lock();
    expect(catchSync(() => m.lock())).toBeInstanceOf(DeadlockError);
    expect(catchSync(() => m.lock({ timeoutMs: 10 }))).toMatchObject({ code: 'ERR_DEADLOCK' });
    await expect(m.lockAsync()).rejects.toBeInstanceOf(DeadlockError);
    expect(m.isHeldByMe).toBe(true);
    m.unlock();
    expect(m.owner).toBeUndefined();
  });

  it('timeoutMs gives up with LockTimeoutError while another thread holds it', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const w = holder(buffer);
    await w.ok({ op: 'lock' });
    for (const timeoutMs of [0, 20]) {
      const err = catchSync(() => m.lock({ timeoutMs }));
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect(err).toMatchObject({ code: 'ERR_LOCK_TIMEOUT', timeoutMs });
    }
    await expect(m.lockAsync({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'ERR_LOCK_TIMEOUT' });
    // The worker still holds it; after it lets go, the lock works normally.
    expect(m.isHeldByMe).toBe(false);
    await w.ok({ op: 'unlock' });
    m.lock({ timeoutMs: 1000 });
    expect(m.isHeldByMe).toBe(true);
    // And the worker, in turn, times out against us.
    expect(await w.fails({ op: 'lock', timeoutMs: 10 })).toMatchObject({ name: 'LockTimeoutError', code: 'ERR_LOCK_TIMEOUT' });
    m.unlock();
  });

  it('an AbortSignal gives up with AbortedError, before or during the wait', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const w = holder(buffer);
    await w.ok({ op: 'lock' });
    const pre = new AbortController();
    pre.abort('stop');
    const err = catchSync(() => m.lock({ signal: pre.signal }));
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'ERR_ABORTED' });
    await expect(m.lockAsync({ signal: pre.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });

    const during = new AbortController();
    const waiting = m.lockAsync({ signal: during.signal });
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    during.abort(new Error('changed my mind'));
    const aborted = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(aborted).toBeInstanceOf(AbortedError);
    expect((aborted as AbortedError).cause).toBe(during.signal.reason);
    expect(await w.ok({ op: 'threadId' })).toBe(m.owner);
    await w.ok({ op: 'unlock' });
    expect(m.tryLock()).toBe(true);
    m.unlock();
  });

  it('lockAsync waits for a worker without blocking the main event loop', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const w = holder(buffer);
    await w.ok({ op: 'lock' });
    let acquired = false;
    const waiting = m.lockAsync().then(() => {
      acquired = true;
    });
    // While lockAsync is pending: an immediate and a timer run, and a
    // message round trip to the worker completes (all need the event loop).
    let ticks = 0;
    await new Promise<void>((r) => setImmediate(() => (ticks++, r())));
    await new Promise<void>((r) => setTimeout(() => (ticks++, r()), 20));
    expect(await w.ok({ op: 'tryLock' })).toBe(false);
    expect(ticks).toBe(2);
    expect(acquired).toBe(false);
    await w.ok({ op: 'unlock' });
    await waiting;
    expect(acquired).toBe(true);
    expect(m.isHeldByMe).toBe(true);
    m.unlock();
  });

  it('withLock and withLockAsync release the lock when fn throws, and return its value otherwise', async () => {
    const m = fresh();
    const boom = new Error('boom');
    expect(catchSync(() => m.withLock(() => { throw boom; }))).toBe(boom);
    expect(m.owner).toBeUndefined();
    await expect(m.withLockAsync(async () => { await Promise.resolve(); throw boom; })).rejects.toBe(boom);
    expect(m.owner).toBeUndefined();
    expect(m.withLock(() => (m.isHeldByMe ? 'held' : 'not held'))).toBe('held');
    expect(await m.withLockAsync(() => Promise.resolve(m.isHeldByMe))).toBe(true);
    expect(m.owner).toBeUndefined();
  });

  it('statistics count acquisitions and contended acquisitions exactly', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const m = new Mutex(buffer);
    const w = holder(buffer);
    expect(m.stats()).toEqual({ acquisitions: 0, contended: 0, waits: 0, totalWaitMs: 0, maxWaitMs: 0 });
    for (let i = 0; i < 3; i++) m.withLock(() => undefined);
    expect(m.tryLock()).toBe(true);
    m.unlock();
    expect(m.stats()).toMatchObject({ acquisitions: 4, contended: 0, waits: 0 });

    await w.ok({ op: 'lock' }); // 5th, uncontended, counted by the worker in shared memory
    expect(m.tryLock()).toBe(false); // failed attempts are not acquisitions
    expect(catchSync(() => m.lock({ timeoutMs: 5 }))).toBeInstanceOf(LockTimeoutError);
    expect(m.stats()).toMatchObject({ acquisitions: 5, contended: 0, waits: 0 });

    const waiting = m.lockAsync(); // must sleep: the worker holds until told
    await new Promise((r) => setTimeout(r, 5));
    await w.ok({ op: 'unlock' });
    await waiting;
    m.unlock();
    const s = m.stats();
    expect(s).toMatchObject({ acquisitions: 6, contended: 1 });
    expect(s.waits).toBeGreaterThanOrEqual(1);
    expect(s.totalWaitMs).toBeGreaterThan(0);
    expect(s.maxWaitMs).toBe(s.totalWaitMs); // one contended acquisition: its wait is the max and the total

    expect(await w.ok({ op: 'tryLock' })).toBe(true);
    await w.ok({ op: 'unlock' });
    expect(new Mutex(buffer).stats()).toMatchObject({ acquisitions: 7, contended: 1 });
  });
});

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}
