/**
 * JobStore: job state for a queue in one SharedArrayBuffer. Every thread that
 * attaches to the same buffer sees and changes the same jobs; every change is
 * validated against the transition table and applied, all fields at once,
 * inside a critical section (the bodies are in ops.ts).
 *
 * Locks (see README, "Locking modes"):
 *   'global'  : one lock around every change. Simple, fully serialised.
 *   'per-job' : each slot has its own lock; creates and removes take the
 *               structure lock, list moves take the queue lock. Order is
 *               always structure -> job -> queue, so no cycle can deadlock.
 * Reads (get, and the index lookup of every call) take no lock: seqlocks.
 * (With `reads: 'locked'`, the default off x86-64, they take the job's lock.)
 * Every lock is robust: a waiter that finds the owner dead rolls back what
 * the owner was doing and takes over (journal.ts).
 */
import { AbortedError, DuplicateJobError, JobProcessingError, StoreFullError } from './errors.js';
import { scanned } from './utf8.js';
import {
  H_HIGH_WATER, LAYOUT_VERSION, H_LEASE_MS, H_RETRY_LEN, H_STALLED_RECLAIMED, LIST_PENDING, LIST_RETRY, QUEUE_LOCK, R_STATE, REG_DETACHED, S_HASH, S_LOCK, S_STATE,
  STATE_STATUS_MASK,
} from './layout.js';
import { giveUp } from './lock-word.js';
import { storeCounts, storeRecovery, storeStats } from './store-stats.js';
import { SLOT_FREE, SLOT_OTHER_ID, readSlot, seen, slotBase, slotGen, type Mem } from './memory.js';
import {
  checkInt, checkObject, checkReads, checkReclaimOptions, checkRetryOptions, checkUpdateOptions, DEFAULT_MAX_RETRIES,
  type AttachOptions, type CreateOptions, type ListOptions, type Locking, type ReadMode, type ReclaimOptions, type RetryOptions, type StoreOptions, type UpdateOptions,
} from './options.js';
import { NONE, allocSlot, findConfirmable, findLocked, listHead } from './structures.js';
import { STATUS_CODES, type JobStatus } from './transitions.js';
import type { JobCounts, JobSnapshot, RecoveryStats, StoreHandle, StoreStats } from './types.js';
import { checkId, checkIdHash, checkLastError, checkStatusCode } from './validate.js';
import { attachMem, createMem } from './handle.js';
import { Journal } from './journal.js';
import { markDead, register } from './registry.js';
import { InstanceLocks } from './instance-locks.js';
import { applyTransition, expiredLease, initJob, removeJob, snapshotLocked, type Ctx } from './ops.js';

const PENDING = STATUS_CODES.pending;
const PROCESSING = STATUS_CODES.processing;

export class JobStore {
  readonly #m: Mem;
  readonly #entry: number;
  readonly #j: Journal;
  readonly #c: Ctx;
  /** Which lock guards what, and finding a job with its lock held (instance-locks.ts). */
  readonly #l: InstanceLocks;

  private constructor(m: Mem, reads: ReadMode) {
    this.#m = m;
    this.#entry = register(m);
    this.#j = new Journal(m, this.#entry);
    this.#l = new InstanceLocks(m, this.#j, this.#entry, reads === 'locked');
    this.#c = { m, j: this.#j, global: this.#l.global, queue: this.#l.never, leaseMs: Atomics.load(m.i32, H_LEASE_MS >> 2) };
  }

  /** Make a new store in a new SharedArrayBuffer (this instance takes the first of its 256 registry entries). */
  static create(options: StoreOptions): JobStore {
    const reads = checkReads(options);
    return new JobStore(createMem(options), reads);
  }

  /**
   * The same store, from any thread, given the `handle` of an existing one.
   * Throws StoreFormatError otherwise, and RegistryFullError when all 256
   * registry entries belong to live instances.
   */
  static attach(handle: StoreHandle, options?: AttachOptions): JobStore {
    const reads = checkReads(options);
    return new JobStore(attachMem(handle), reads);
  }

  /** Structured-cloneable data holding the SharedArrayBuffer: send it to a worker and `attach` there. */
  get handle(): StoreHandle {
    return { kind: 'atomic-jobs/store', layoutVersion: LAYOUT_VERSION, buffer: this.#m.buffer };
  }

  get capacity(): number { return this.#m.g.capacity; }
  get maxIdBytes(): number { return this.#m.g.maxIdBytes; }
  get maxErrorBytes(): number { return this.#m.g.maxErrorBytes; }
  get leaseMs(): number { return this.#c.leaseMs; }
  get locking(): Locking { return this.#l.global ? 'global' : 'per-job'; }
  /** How this instance reads jobs (the `reads` option). */
  get reads(): ReadMode { return this.#l.lockedReads ? 'locked' : 'seqlock'; }

  /** Add a pending job. Throws DuplicateJobError, StoreFullError, InvalidArgumentError. */
  create(id: string, options?: CreateOptions): JobSnapshot {
    const idBytes = checkId(id, this.#m.g.maxIdBytes);
    const hash = scanned.hash; // the same scan's (utf8.ts)
    const o = checkObject('options', options);
    const maxRetries = o?.['maxRetries'] === undefined ? DEFAULT_MAX_RETRIES : checkInt('options.maxRetries', o['maxRetries'], 0, 0x7fffffff);
    const m = this.#m;
    this.#l.lock(this.#l.structLock);
    try {
      if (findLocked(m, id, hash) !== NONE) throw new DuplicateJobError(id);
      const slot = allocSlot(m, this.#j);
      if (slot === NONE) throw new StoreFullError(m.g.capacity);
      const base = slotBase(m, slot);
      if (!this.#l.global) this.#l.lock(base + S_LOCK);
      try {
        initJob(this.#c, slot, id, idBytes, hash, maxRetries);
        this.#j.commit();
        this.#l.hints.remember(id, hash, slot, slotGen(m, base));
        return snapshotLocked(m, slot);
      } finally {
        if (!this.#l.global) this.#l.unlock(base + S_LOCK);
      }
    } finally {
      this.#l.unlock(this.#l.structLock);
    }
  }

  /** The job as it was at one instant, or undefined. Takes no lock (seqlock read), unless `reads` is 'locked'. */
  get(id: string): JobSnapshot | undefined {
    const hash = checkIdHash(id, this.#m.g.maxIdBytes);
    if (this.#l.lockedReads) return this.#getLocked(id, hash);
    const hint = this.#l.hints.get(id, hash);
    if (hint >= 0) {
      // The seqlock read confirms that the slot still holds the job of the hint's generation.
      const s = readSlot(this.#m, hint, id, () => this.#l.unstick(hint), this.#l.hints.gen);
      if (s !== SLOT_FREE && s !== SLOT_OTHER_ID) return s;
      this.#l.hints.forget(id, hash);
    }
    for (;;) {
      const slot = findConfirmable(this.#m, id, hash, this.#l.unstickIndex);
      if (slot === NONE) return undefined;
      const s = readSlot(this.#m, slot, id, () => this.#l.unstick(slot));
      if (s !== SLOT_FREE && s !== SLOT_OTHER_ID) {
        this.#l.hints.remember(id, hash, slot, seen.gen);
        return s;
      }
      // The slot was removed or reused between lookup and read: look up again.
    }
  }

  /** get() with `reads: 'locked'`: the snapshot taken holding the lock that guards the job. */
  #getLocked(id: string, hash: number): JobSnapshot | undefined {
    const slot = this.#l.tryEnter(id, hash, this.#l.never);
    if (slot === NONE) return undefined;
    try {
      // Under the lock the generation is stable and names the job `id` (tryEnter checked), so the bytes need no comparing.
      return snapshotLocked(this.#m, slot, id);
    } finally {
      this.#l.leave(slot);
    }
  }

  /** pending -> processing for this job; undefined when it is not pending. Throws JobNotFoundError. */
  claim(id: string): JobSnapshot | undefined {
    const slot = this.#l.enter(id, checkIdHash(id, this.#m.g.maxIdBytes), this.#l.never);
    try {
      const code = (this.#m.i32[(slotBase(this.#m, slot) + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK;
      return code === PENDING ? this.#commit(applyTransition(this.#c, slot, id, PROCESSING, undefined, undefined)) : undefined;
    } finally {
      this.#l.leave(slot);
    }
  }

  /** The oldest pending job -> processing, in O(1); undefined when none is pending. */
  claimNext(): JobSnapshot | undefined {
    return this.#fromList(LIST_PENDING, PROCESSING);
  }

  /**
   * The heart (the Go original's UpdateStatus): check the signal, take the lock,
   * look the job up, validate the transition, write every field and bump the
   * version in one critical section; the lock is always released.
   */
  updateStatus(id: string, status: JobStatus, lastError?: string | null, options?: UpdateOptions): JobSnapshot {
    const hash = checkIdHash(id, this.#m.g.maxIdBytes);
    const to = checkStatusCode(status);
    checkLastError(lastError);
    const o = checkUpdateOptions(options);
    if (o.signal?.aborted === true) throw new AbortedError(o.signal.reason);
    const g = o.timeoutMs === undefined && o.signal === undefined ? this.#l.never : giveUp(o.timeoutMs, o.signal, this.#l.never.robust);
    const slot = this.#l.enter(id, hash, g);
    try {
      return this.#commit(applyTransition(this.#c, slot, id, to, lastError, o.attempt));
    } finally {
      this.#l.leave(slot);
    }
  }

  /**
   * The sweeper: failed jobs with attempts < maxRetries -> pending, oldest
   * failure first, each its own atomic change, reported to
   * `options.onRetried`. Returns how many moved.
   */
  retryFailed(options?: RetryOptions): number {
    const onRetried = checkRetryOptions(options);
    // Bounded by the list's length at the start, so jobs failing concurrently
    // cannot keep us here forever.
    let n = 0;
    for (let budget = Atomics.load(this.#m.i32, H_RETRY_LEN >> 2); budget > 0; budget--) {
      // #fromList has released the job's lock when it returns.
      const job = this.#fromList(LIST_RETRY, PENDING);
      if (job === undefined) break;
      n++;
      onRetried?.(job);
    }
    return n;
  }

  /**
   * The stalled-job check (BullMQ's): processing jobs whose lease expired by
   * `options.now` (default: the clock; a number is taken as `now`) — their
   * worker died or hung — go back to pending with their attempts kept, so
   * retries still stop at maxRetries. Oldest lease first, as the PostgreSQL
   * store does; each reclaim is its own atomic change, reported to
   * `options.onReclaimed`. Returns how many. Scans all slots.
   */
  reclaimStalled(options?: ReclaimOptions | number): number {
    const { now, onReclaimed } = checkReclaimOptions(options);
    const at = now ?? Date.now();
    const m = this.#m;
    // A racy look at every slot picks the candidates and their order; each is
    // confirmed under its job's lock, which no other change of it bypasses.
    // The leases are copied first: the sort must not read memory that other
    // threads change meanwhile.
    const found: { slot: number; until: number }[] = [];
    const hw = Atomics.load(m.i32, H_HIGH_WATER >> 2);
    for (let slot = 0; slot < hw; slot++) {
      const until = expiredLease(m, slot, at);
      if (until > 0) found.push({ slot, until });
    }
    found.sort((a, b) => a.until - b.until || a.slot - b.slot);
    let n = 0;
    for (const { slot } of found) {
      const lock = this.#l.jobLock(slot);
      let job: JobSnapshot | undefined;
      this.#l.lock(lock);
      try {
        if (expiredLease(m, slot, at) > 0) {
          job = this.#commit(applyTransition(this.#c, slot, undefined, PENDING, undefined, undefined));
          Atomics.add(m.i32, H_STALLED_RECLAIMED >> 2, 1);
          n++;
        }
      } finally {
        this.#l.unlock(lock);
      }
      if (job !== undefined) onReclaimed?.(job);
    }
    return n;
  }

  /** Delete a job and free its slot. False when absent; JobProcessingError while it is processing. */
  remove(id: string): boolean {
    const hash = checkIdHash(id, this.#m.g.maxIdBytes);
    const m = this.#m;
    this.#l.lock(this.#l.structLock);
    try {
      const slot = findLocked(m, id, hash);
      if (slot === NONE) return false;
      this.#l.hints.forget(id, hash);
      const base = slotBase(m, slot);
      if (!this.#l.global) this.#l.lock(base + S_LOCK);
      try {
        if (((m.i32[(base + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK) === PROCESSING) throw new JobProcessingError(id);
        removeJob(this.#c, slot, hash);
        this.#j.commit();
        return true;
      } finally {
        if (!this.#l.global) this.#l.unlock(base + S_LOCK);
      }
    } finally {
      this.#l.unlock(this.#l.structLock);
    }
  }

  /** Every job (optionally only one status), in slot order. Each snapshot is untorn; in global mode the whole list is one instant. */
  list(options?: ListOptions): JobSnapshot[] {
    const o = checkObject('options', options);
    const want = o?.['status'] === undefined ? 0 : checkStatusCode(o['status'], 'options.status');
    return this.#l.underGlobal(() => {
      const out: JobSnapshot[] = [];
      const hw = Atomics.load(this.#m.i32, H_HIGH_WATER >> 2);
      // Global mode holds the lock that guards every slot already.
      const locked = this.#l.lockedReads && !this.#l.global;
      for (let slot = 0; slot < hw; slot++) {
        const s = locked
          ? this.#l.holding(this.#l.jobLock(slot), () => readSlot(this.#m, slot, undefined))
          : readSlot(this.#m, slot, undefined, () => this.#l.unstick(slot));
        if (s === SLOT_FREE || s === SLOT_OTHER_ID) continue;
        if (want === 0 || STATUS_CODES[s.status] === want) out.push(s);
      }
      return out;
    });
  }

  /** Jobs per status. Exact in global mode; in per-job mode exact whenever no update is in flight. */
  counts(): JobCounts {
    return this.#l.underGlobal(() => storeCounts(this.#m));
  }

  /** Lock statistics, summed over the store's locks, with a breakdown. */
  stats(): StoreStats {
    return storeStats(this.#m, this.locking);
  }

  /**
   * Tell the store that a thread died (call it from the worker's 'exit'
   * event). Its locks are then taken over by the next waiter, after rolling
   * back whatever it was changing. Returns how many registrations it had.
   */
  markThreadDead(threadId: number): number {
    checkInt('threadId', threadId, 0, 2 ** 28 - 2);
    return markDead(this.#m, threadId);
  }

  /** What recovery has done so far, store-wide. */
  recovery(): RecoveryStats {
    return storeRecovery(this.#m);
  }

  /**
   * Give this instance's registry entry back, for a thread that is done with
   * this instance (not necessarily with the store: it may attach again, and
   * is not taken for dead). Afterwards every call that would take a lock
   * throws DetachedError (`get` too, when `reads` is 'locked'); lock-free
   * reads (get, stats) still work.
   */
  detach(): void {
    if (this.#l.detached) return;
    this.#l.detached = true;
    Atomics.store(this.#m.i32, (this.#entry + R_STATE) >> 2, REG_DETACHED);
  }

  // ---- lock choreography ----

  #commit(s: JobSnapshot): JobSnapshot {
    this.#j.commit();
    return s;
  }

  /** Take an entry of a list (oldest first) and apply `to` to it. */
  #fromList(list: number, to: number): JobSnapshot | undefined {
    const m = this.#m;
    const l = this.#l;
    for (;;) {
      const h = listHead(m, list);
      // An empty list seen without a lock may be a change in flight whose
      // thread then dies and is rolled back (putting the job back): confirm
      // under the lock that guards the lists, which holders keep until their
      // commit point, so what it shows is committed.
      if (h === NONE && l.underLists(() => listHead(m, list)) === NONE) return undefined;
      if (h === NONE) continue;
      const lock = l.jobLock(h);
      l.lock(lock);
      try {
        // Holding h's lock (or the global one), h can leave the list only
        // through us, and lists grow only at the tail; a head read under the
        // queue lock is committed (see above), so if h is the head then, it
        // stays the head until we take it. In per-job mode the queue lock
        // taken for that look is kept for the move itself (applyTransition
        // releases it at its commit point): one acquisition, not two.
        if (!l.global) l.lock(QUEUE_LOCK);
        if (listHead(m, list) !== h) {
          if (!l.global) l.unlock(QUEUE_LOCK);
          continue;
        }
        const s = this.#commit(applyTransition(this.#c, h, undefined, to, undefined, undefined, !l.global));
        // The caller's next call is usually about this job (claimNext, then updateStatus).
        const base = slotBase(m, h);
        l.hints.remember(s.id, m.i32[(base + S_HASH) >> 2] ?? 0, h, slotGen(m, base));
        return s;
      } finally {
        l.unlock(lock);
      }
    }
  }
}
