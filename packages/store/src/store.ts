/**
 * JobStore: job state for a queue in one SharedArrayBuffer. Every thread that
 * attaches to the same buffer sees and changes the same jobs; every change is
 * validated against the transition table and applied, all fields at once,
 * inside a critical section.
 *
 * Locks (see README, "Locking"):
 *   'global'  : one lock around every change. Simple, fully serialised.
 *   'per-job' : each slot has its own lock; creates and removes take the
 *               structure lock, list moves take the queue lock. Order is
 *               always structure -> job -> queue, so no cycle can deadlock.
 * Reads (get, and the index lookup of every call) take no lock: seqlocks.
 */
import { AbortedError, DuplicateJobError, InvalidTransitionError, JobNotFoundError, JobProcessingError, StaleClaimError, StoreFullError } from './errors.js';
import { encodeAt, hashString } from './utf8.js';
import {
  GLOBAL_LOCK, H_HIGH_WATER, H_LIVE, H_RETRY_LEN, LIST_NONE, LIST_PENDING, LIST_RETRY, LOCKING_GLOBAL, QUEUE_LOCK,
  S_ATTEMPTS, S_CREATED_AT, S_HASH, S_ID, S_LEASE_OWNER, S_LEASE_UNTIL, S_LENS, S_LOCK, S_MAX_RETRIES, S_STATE,
  S_UPDATED_AT, S_VERSION, STATE_HAS_ERROR, STATE_LIST_MASK, STATE_LIST_SHIFT, STATE_STATUS_MASK, STATE_TRUNCATED, STRUCT_LOCK,
} from './layout.js';
import { NEVER, acquire, addStats, emptyStats, giveUp, release, type GiveUp, type LockStats } from './lock-core.js';
import { SLOT_FREE, SLOT_OTHER_ID, countAdd, countOf, readSlot, slotBase, slotHolds, writeBegin, writeEnd, type Mem } from './memory.js';
import { checkInt, checkObject, checkUpdateOptions, DEFAULT_MAX_RETRIES, type CreateOptions, type ListOptions, type Locking, type StoreOptions, type UpdateOptions } from './options.js';
import { NONE, allocSlot, findLocked, findOptimistic, freeSlot, indexInsert, indexRemove, listHead, listPush, listUnlink } from './structures.js';
import { ALLOWED, STATUS_BY_CODE, STATUS_CODES, STATUS_FREE, type JobStatus } from './transitions.js';
import type { JobCounts, JobSnapshot, StoreHandle, StoreStats } from './types.js';
import { checkId, checkLastError, checkStatus } from './validate.js';
import { attachMem, createMem } from './handle.js';

const PENDING = STATUS_CODES.pending;
const PROCESSING = STATUS_CODES.processing;
const FAILED = STATUS_CODES.failed;

export class JobStore {
  readonly #m: Mem;
  readonly #global: boolean;

  private constructor(m: Mem) {
    this.#m = m;
    this.#global = m.g.locking === LOCKING_GLOBAL;
  }

  /** Make a new store in a new SharedArrayBuffer. */
  static create(options: StoreOptions): JobStore {
    return new JobStore(createMem(options));
  }

  /** The same store, from any thread, given the `handle` of an existing one. Throws StoreFormatError otherwise. */
  static attach(handle: StoreHandle): JobStore {
    return new JobStore(attachMem(handle));
  }

  /** Structured-cloneable data holding the SharedArrayBuffer: send it to a worker and `attach` there. */
  get handle(): StoreHandle {
    return { kind: 'atomic-jobs/store', layoutVersion: 1, buffer: this.#m.buffer };
  }

  get capacity(): number { return this.#m.g.capacity; }
  get maxIdBytes(): number { return this.#m.g.maxIdBytes; }
  get maxErrorBytes(): number { return this.#m.g.maxErrorBytes; }
  get locking(): Locking { return this.#global ? 'global' : 'per-job'; }

  /** Add a pending job. Throws DuplicateJobError, StoreFullError, InvalidArgumentError. */
  create(id: string, options?: CreateOptions): JobSnapshot {
    const idBytes = checkId(id, this.#m.g.maxIdBytes);
    const o = checkObject('options', options);
    const maxRetries = o?.['maxRetries'] === undefined ? DEFAULT_MAX_RETRIES : checkInt('options.maxRetries', o['maxRetries'], 0, 0x7fffffff);
    const hash = hashString(id);
    const m = this.#m;
    this.#lockStructure();
    try {
      if (findLocked(m, id, hash) !== NONE) throw new DuplicateJobError(id);
      const slot = allocSlot(m);
      if (slot === NONE) throw new StoreFullError(m.g.capacity);
      const base = slotBase(m, slot);
      this.#lockJob(base, NEVER);
      try {
        const now = Date.now();
        const { i32, f64 } = m;
        writeBegin(m, base);
        i32[(base + S_STATE) >> 2] = PENDING | (LIST_PENDING << STATE_LIST_SHIFT);
        i32[(base + S_ATTEMPTS) >> 2] = 0;
        i32[(base + S_MAX_RETRIES) >> 2] = maxRetries;
        i32[(base + S_LENS) >> 2] = idBytes;
        i32[(base + S_HASH) >> 2] = hash;
        i32[(base + S_LEASE_OWNER) >> 2] = 0;
        f64[(base + S_VERSION) >> 3] = 1;
        f64[(base + S_CREATED_AT) >> 3] = now;
        f64[(base + S_UPDATED_AT) >> 3] = now;
        f64[(base + S_LEASE_UNTIL) >> 3] = 0;
        encodeAt(m.u8, base + S_ID, idBytes, id);
        writeEnd(m, base);
        this.#lockQueue();
        listPush(m, LIST_PENDING, slot);
        this.#unlockQueue();
        // Linearization point: from here on, every thread's lookup finds the job.
        indexInsert(m, slot, hash);
        Atomics.add(m.i32, H_LIVE >> 2, 1);
        countAdd(m, PENDING, 1);
      } finally {
        this.#unlockJob(base);
      }
      return this.#snapshot(slot, id);
    } finally {
      this.#unlockStructure();
    }
  }

  /** The job as it was at one instant, or undefined. Takes no lock (seqlock read). */
  get(id: string): JobSnapshot | undefined {
    checkId(id, this.#m.g.maxIdBytes);
    const hash = hashString(id);
    for (;;) {
      const slot = findOptimistic(this.#m, id, hash);
      if (slot === NONE) return undefined;
      const s = readSlot(this.#m, slot, id);
      if (s !== SLOT_FREE && s !== SLOT_OTHER_ID) return s;
      // The slot was removed or reused between lookup and read: look up again.
    }
  }

  /** pending -> processing for this job; undefined when it is not pending. Throws JobNotFoundError. */
  claim(id: string): JobSnapshot | undefined {
    checkId(id, this.#m.g.maxIdBytes);
    return this.#withJob(id, NEVER, (slot, base) => {
      const code = (this.#m.i32[(base + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK;
      return code === PENDING ? this.#apply(slot, base, id, PROCESSING, undefined, undefined) : undefined;
    });
  }

  /** The oldest pending job -> processing, in O(1); undefined when none is pending. */
  claimNext(): JobSnapshot | undefined {
    const m = this.#m;
    if (this.#global) {
      return this.#inGlobal(NEVER, () => {
        const h = listHead(m, LIST_PENDING);
        return h === NONE ? undefined : this.#apply(h, slotBase(m, h), undefined, PROCESSING, undefined, undefined);
      });
    }
    for (;;) {
      const h = listHead(m, LIST_PENDING);
      if (h === NONE) return undefined;
      const base = slotBase(m, h);
      acquire(m, base + S_LOCK, NEVER);
      try {
        // Holding h's lock, h can leave the list only through us, and lists grow
        // only at the tail: if h is the head now, it stays the head until we take it.
        if (listHead(m, LIST_PENDING) === h) return this.#apply(h, base, undefined, PROCESSING, undefined, undefined);
      } finally {
        release(m, base + S_LOCK);
      }
    }
  }

  /**
   * The heart (the Go original's UpdateStatus): check the signal, take the lock,
   * look the job up, validate the transition, write every field and bump the
   * version in one critical section; the lock is always released.
   */
  updateStatus(id: string, status: JobStatus, lastError?: string | null, options?: UpdateOptions): JobSnapshot {
    checkId(id, this.#m.g.maxIdBytes);
    const to = STATUS_CODES[checkStatus(status)];
    checkLastError(lastError);
    const o = checkUpdateOptions(options);
    const g = giveUp(o.timeoutMs, o.signal);
    if (o.signal?.aborted === true) throw new AbortedError(o.signal.reason);
    return this.#withJob(id, g, (slot, base) => this.#apply(slot, base, id, to, lastError, o.attempt)) as JobSnapshot;
  }

  /** The sweeper: failed jobs with attempts < maxRetries -> pending. Returns how many moved. */
  retryFailed(): number {
    const m = this.#m;
    if (this.#global) {
      return this.#inGlobal(NEVER, () => {
        let n = 0;
        for (let h = listHead(m, LIST_RETRY); h !== NONE; h = listHead(m, LIST_RETRY), n++) {
          this.#apply(h, slotBase(m, h), undefined, PENDING, undefined, undefined);
        }
        return n;
      });
    }
    // Per-job: each retry is its own atomic transition. Bounded by the list's
    // length at the start, so jobs failing concurrently cannot keep us here.
    let n = 0;
    for (let budget = Atomics.load(m.i32, H_RETRY_LEN >> 2); budget > 0; budget--) {
      const h = listHead(m, LIST_RETRY);
      if (h === NONE) break;
      const base = slotBase(m, h);
      acquire(m, base + S_LOCK, NEVER);
      try {
        if (listHead(m, LIST_RETRY) === h) {
          this.#apply(h, base, undefined, PENDING, undefined, undefined);
          n++;
        }
      } finally {
        release(m, base + S_LOCK);
      }
    }
    return n;
  }

  /** Delete a job and free its slot. False when absent; JobProcessingError while it is processing. */
  remove(id: string): boolean {
    checkId(id, this.#m.g.maxIdBytes);
    const m = this.#m;
    const hash = hashString(id);
    this.#lockStructure();
    try {
      const slot = findLocked(m, id, hash);
      if (slot === NONE) return false;
      const base = slotBase(m, slot);
      this.#lockJob(base, NEVER);
      try {
        const state = m.i32[(base + S_STATE) >> 2] ?? 0;
        const code = state & STATE_STATUS_MASK;
        if (code === PROCESSING) throw new JobProcessingError(id);
        this.#moveList(slot, (state & STATE_LIST_MASK) >> STATE_LIST_SHIFT, LIST_NONE);
        indexRemove(m, slot, hash);
        writeBegin(m, base);
        m.i32[(base + S_STATE) >> 2] = STATUS_FREE;
        m.i32[(base + S_LENS) >> 2] = 0;
        writeEnd(m, base);
        freeSlot(m, slot);
        Atomics.sub(m.i32, H_LIVE >> 2, 1);
        countAdd(m, code, -1);
        return true;
      } finally {
        this.#unlockJob(base);
      }
    } finally {
      this.#unlockStructure();
    }
  }

  /** Every job (optionally only one status), in slot order. Each snapshot is untorn; in global mode the whole list is one instant. */
  list(options?: ListOptions): JobSnapshot[] {
    const o = checkObject('options', options);
    const want = o?.['status'] === undefined ? 0 : STATUS_CODES[checkStatus(o['status'], 'options.status')];
    const collect = (): JobSnapshot[] => {
      const out: JobSnapshot[] = [];
      const hw = Atomics.load(this.#m.i32, H_HIGH_WATER >> 2);
      for (let slot = 0; slot < hw; slot++) {
        const s = readSlot(this.#m, slot, undefined);
        if (s === SLOT_FREE || s === SLOT_OTHER_ID) continue;
        if (want === 0 || STATUS_CODES[s.status] === want) out.push(s);
      }
      return out;
    };
    return this.#global ? this.#inGlobal(NEVER, collect) : collect();
  }

  /** Jobs per status. Exact in global mode; in per-job mode exact whenever no update is in flight. */
  counts(): JobCounts {
    const read = (): JobCounts => {
      const m = this.#m;
      const c = { pending: countOf(m, PENDING), processing: countOf(m, PROCESSING), completed: countOf(m, STATUS_CODES.completed), failed: countOf(m, FAILED), total: 0 };
      c.total = Atomics.load(m.i32, H_LIVE >> 2);
      return c;
    };
    return this.#global ? this.#inGlobal(NEVER, read) : read();
  }

  /** Lock statistics, summed over the store's locks, with a breakdown. */
  stats(): StoreStats {
    const m = this.#m;
    const jobs = emptyStats();
    if (!this.#global) {
      const hw = Atomics.load(m.i32, H_HIGH_WATER >> 2);
      for (let slot = 0; slot < hw; slot++) addStats(m, slotBase(m, slot) + S_LOCK, jobs);
    }
    const locks = { global: addStats(m, GLOBAL_LOCK, emptyStats()), structure: addStats(m, STRUCT_LOCK, emptyStats()), queue: addStats(m, QUEUE_LOCK, emptyStats()), jobs };
    const total: LockStats = emptyStats();
    for (const s of Object.values(locks)) {
      total.acquisitions += s.acquisitions;
      total.contended += s.contended;
      total.waits += s.waits;
      total.totalWaitMs += s.totalWaitMs;
      total.maxWaitMs = Math.max(total.maxWaitMs, s.maxWaitMs);
    }
    return { ...total, locking: this.locking, locks };
  }

  // ---- critical sections ----

  /**
   * Validate and apply one transition of the job in `slot`. The caller holds
   * the job's lock (or the global lock). Every check comes before the first
   * write, so a refused call changes nothing.
   */
  #apply(slot: number, base: number, id: string | undefined, to: number, lastError: string | null | undefined, attempt: number | undefined): JobSnapshot {
    const m = this.#m;
    const { i32, f64 } = m;
    const state = i32[(base + S_STATE) >> 2] ?? 0;
    const from = state & STATE_STATUS_MASK;
    let attempts = i32[(base + S_ATTEMPTS) >> 2] ?? 0;
    const maxRetries = i32[(base + S_MAX_RETRIES) >> 2] ?? 0;
    const name = (): string => id ?? this.#snapshot(slot, undefined).id;
    if (attempt !== undefined && (from !== PROCESSING || attempts !== attempt)) {
      throw new StaleClaimError(name(), attempt, attempts, STATUS_BY_CODE[from] ?? 'free');
    }
    const rule = ALLOWED[from * 5 + to] ?? 0;
    if (rule === 0 || (rule === 2 && attempts >= maxRetries)) {
      throw new InvalidTransitionError(name(), STATUS_BY_CODE[from] ?? 'free', STATUS_BY_CODE[to] ?? '?', rule === 2 ? `no retries left: ${attempts} of ${maxRetries} attempts used` : undefined);
    }
    if (to === PROCESSING) attempts++;
    const newList = to === PENDING ? LIST_PENDING : to === FAILED && attempts < maxRetries ? LIST_RETRY : LIST_NONE;
    this.#moveList(slot, (state & STATE_LIST_MASK) >> STATE_LIST_SHIFT, newList);
    let flags = state & (STATE_HAS_ERROR | STATE_TRUNCATED);
    writeBegin(m, base);
    if (lastError === null) flags = 0;
    else if (lastError !== undefined) {
      const r = encodeAt(m.u8, base + m.g.errOffset, m.g.maxErrorBytes, lastError);
      i32[(base + S_LENS) >> 2] = ((i32[(base + S_LENS) >> 2] ?? 0) & 0xffff) | (r.written << 16);
      flags = STATE_HAS_ERROR | (r.truncated ? STATE_TRUNCATED : 0);
    }
    i32[(base + S_STATE) >> 2] = to | flags | (newList << STATE_LIST_SHIFT);
    i32[(base + S_ATTEMPTS) >> 2] = attempts;
    f64[(base + S_VERSION) >> 3] = (f64[(base + S_VERSION) >> 3] ?? 0) + 1;
    f64[(base + S_UPDATED_AT) >> 3] = Date.now();
    writeEnd(m, base);
    countAdd(m, from, -1);
    countAdd(m, to, 1);
    return this.#snapshot(slot, id);
  }

  /** Move a slot between the pending / retry lists (caller holds its job lock). */
  #moveList(slot: number, from: number, to: number): void {
    if (from === to) return;
    this.#lockQueue();
    if (from !== LIST_NONE) listUnlink(this.#m, from, slot);
    if (to !== LIST_NONE) listPush(this.#m, to, slot);
    this.#unlockQueue();
  }

  #snapshot(slot: number, id: string | undefined): JobSnapshot {
    const s = readSlot(this.#m, slot, id);
    if (s === SLOT_FREE || s === SLOT_OTHER_ID) throw new Error('atomic-jobs: internal error, slot changed under its lock');
    return s;
  }

  /** Find the job and run `fn` holding its lock (per-job) or the global lock. Throws JobNotFoundError. */
  #withJob<T>(id: string, g: GiveUp, fn: (slot: number, base: number) => T): T {
    const m = this.#m;
    const hash = hashString(id);
    if (this.#global) {
      return this.#inGlobal(g, () => {
        const slot = findLocked(m, id, hash);
        if (slot === NONE) throw new JobNotFoundError(id);
        return fn(slot, slotBase(m, slot));
      });
    }
    for (;;) {
      const slot = findOptimistic(m, id, hash);
      if (slot === NONE) throw new JobNotFoundError(id);
      const base = slotBase(m, slot);
      acquire(m, base + S_LOCK, g);
      try {
        // The slot may have been removed (and reused) between lookup and lock.
        if (slotHolds(m, base, id, hash)) return fn(slot, base);
      } finally {
        release(m, base + S_LOCK);
      }
    }
  }

  #inGlobal<T>(g: GiveUp, fn: () => T): T {
    acquire(this.#m, GLOBAL_LOCK, g);
    try {
      return fn();
    } finally {
      release(this.#m, GLOBAL_LOCK);
    }
  }

  #lockStructure(): void { acquire(this.#m, this.#global ? GLOBAL_LOCK : STRUCT_LOCK, NEVER); }
  #unlockStructure(): void { release(this.#m, this.#global ? GLOBAL_LOCK : STRUCT_LOCK); }
  #lockJob(base: number, g: GiveUp): void { if (!this.#global) acquire(this.#m, base + S_LOCK, g); }
  #unlockJob(base: number): void { if (!this.#global) release(this.#m, base + S_LOCK); }
  #lockQueue(): void { if (!this.#global) acquire(this.#m, QUEUE_LOCK, NEVER); }
  #unlockQueue(): void { if (!this.#global) release(this.#m, QUEUE_LOCK); }
}
