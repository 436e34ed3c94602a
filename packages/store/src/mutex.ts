/**
 * `Mutex`: a cross-thread lock on an Int32 word inside a SharedArrayBuffer.
 * The same buffer and byte offset in any thread is the same lock. The
 * protocol itself lives in lock-core.ts and lock-acquirer.ts, where every
 * Atomics call is explained.
 */
import { InvalidArgumentError } from './errors.js';
import { acquire, acquireAsync, release, tryAcquire } from './lock-core.js';
import { addStats, emptyStats, statsIndex, type LockStats } from './lock-stats.js';
import { LOCK_BYTES, NEVER, SELF, giveUp, ownerOf, viewsOf, type LockViews } from './lock-word.js';
import { checkLockOptions, type LockOptions } from './options.js';

export type { LockStats };

export class Mutex {
  /** Bytes a Mutex occupies at its offset: the lock word, the heir word and the statistics. */
  static readonly BYTES = LOCK_BYTES;

  /** The buffer the lock lives in. */
  readonly buffer: SharedArrayBuffer;
  /** Where in the buffer, in bytes (a multiple of 8). */
  readonly byteOffset: number;
  readonly #v: LockViews;
  readonly #base: number;
  /** Float64Array index of the lock's own statistics words. */
  readonly #stats: number;

  /**
   * @param buffer the shared memory holding the lock; zero-filled memory is an unlocked lock
   * @param byteOffset where the lock lives; a multiple of 8, with `Mutex.BYTES` bytes from there inside the buffer
   * @default byteOffset 0
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('buffer', 'a SharedArrayBuffer', buffer);
    }
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % 8 !== 0) {
      throw new InvalidArgumentError('byteOffset', 'a non-negative multiple of 8', byteOffset);
    }
    if (byteOffset + LOCK_BYTES > buffer.byteLength) {
      throw new InvalidArgumentError(
        'byteOffset',
        `at most ${buffer.byteLength - LOCK_BYTES} (the lock needs ${LOCK_BYTES} bytes)`,
        byteOffset,
      );
    }
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.#v = viewsOf(buffer);
    this.#base = byteOffset;
    this.#stats = statsIndex(byteOffset);
  }

  /** Take the lock, blocking this thread (Atomics.wait) until it is free. */
  lock(options?: LockOptions): void {
    if (options === undefined) return acquire(this.#v, this.#base, NEVER, this.#stats);
    const o = checkLockOptions(options);
    acquire(this.#v, this.#base, giveUp(o.timeoutMs, o.signal), this.#stats);
  }

  /** Take the lock only if it is free right now. Never blocks. */
  tryLock(): boolean {
    return tryAcquire(this.#v, this.#base, this.#stats);
  }

  /** Release the lock. Throws NotOwnerError (`ERR_NOT_OWNER`) unless this thread holds it. */
  unlock(): void {
    release(this.#v, this.#base);
  }

  /** Take the lock without blocking the event loop (Atomics.waitAsync). */
  lockAsync(options?: LockOptions): Promise<void> {
    try {
      const o = checkLockOptions(options);
      return acquireAsync(this.#v, this.#base, giveUp(o.timeoutMs, o.signal));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Run `fn` holding the lock, and always release it (Go's `defer mu.Unlock()`). */
  withLock<T>(fn: () => T, options?: LockOptions): T {
    this.lock(options);
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  /** Async `withLock`: waits with lockAsync and releases after `fn`'s promise settles. */
  async withLockAsync<T>(fn: () => T | Promise<T>, options?: LockOptions): Promise<T> {
    await this.lockAsync(options);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  /** The worker_threads threadId of the holder, or undefined when free. */
  get owner(): number | undefined {
    const o = ownerOf(Atomics.load(this.#v.i32, this.#base >> 2));
    return o === 0 ? undefined : o - 1;
  }

  /** True when this thread holds the lock. */
  get isHeldByMe(): boolean {
    return ownerOf(Atomics.load(this.#v.i32, this.#base >> 2)) === SELF;
  }

  /** Shared-memory statistics, cumulative since the lock was made. */
  stats(): LockStats {
    return addStats(this.#v, this.#base, emptyStats());
  }
}
