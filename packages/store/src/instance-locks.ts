/**
 * How one JobStore instance takes the store's locks: which lock guards what
 * (per-job or global mode), where each acquisition is counted, and finding a
 * job by id with the lock that guards it held (store.ts has the lock order).
 */
import { DetachedError, JobNotFoundError } from './errors.js';
import { GLOBAL_LOCK, H_DEATHS, H_LOCKS_RECOVERED, LOCKING_GLOBAL, QUEUE_LOCK, R_JOB_LOCK_STATS, R_SLEEPING_ON, S_LOCK, STRUCT_LOCK } from './layout.js';
import { acquire, release } from './lock-core.js';
import { statsIndex } from './lock-stats.js';
import { giveUp, type GiveUp, type Robust } from './lock-word.js';
import { slotBase, slotGen, slotHolds, type Mem } from './memory.js';
import { SlotHints } from './hints.js';
import { NONE, findConfirmable, findLocked } from './structures.js';
import type { Journal } from './journal.js';
import { isDead, recoverOwner } from './registry.js';

/** Owners whose liveness an instance remembers (a power of two). */
const ALIVE_CACHE = 8;

export class InstanceLocks {
  readonly #m: Mem;
  readonly #j: Journal;
  readonly global: boolean;
  /** reads: 'locked': reads take the job's lock, and a lookup that finds nothing is confirmed under the structure lock. */
  readonly lockedReads: boolean;
  /** Wait forever, with the robust hooks (a dead owner's lock is taken over). */
  readonly never: GiveUp;
  /** The lock guarding the index and slot allocation: the structure lock (per-job) or the global lock. */
  readonly structLock: number;
  readonly hints = new SlotHints();
  /** After detach(): the registry entry is no longer ours, so no lock may be taken through it. */
  detached = false;
  /** Float64Array index of this instance's job-lock statistics (R_JOB_LOCK_STATS of its registry entry). */
  readonly #jobStats: number;

  constructor(m: Mem, j: Journal, entry: number, lockedReads: boolean) {
    this.#m = m;
    this.#j = j;
    this.global = m.g.locking === LOCKING_GLOBAL;
    this.lockedReads = lockedReads;
    this.structLock = this.global ? GLOBAL_LOCK : STRUCT_LOCK;
    this.#jobStats = (entry + R_JOB_LOCK_STATS) >> 3;
    // Owners found alive (by owner id & 7), and the store's death count
    // then: until a death is marked (which bumps the count), an owner that
    // had a live entry and holds a lock still has it (entries stop being
    // live only through markDead, or through detach() between calls, when
    // the thread holds nothing). In a store where any thread ever died (any
    // pool that retired a worker) every waiter asks at its first look; the
    // registry scan behind the answer (up to 4-5 us over 200 used entries)
    // is then paid once per owner and death, not once per wait.
    const aliveOwner = new Int32Array(ALIVE_CACHE);
    const aliveAt = new Int32Array(ALIVE_CACHE).fill(-1);
    const deathCount = (): number => Atomics.load(m.i32, H_DEATHS >> 2);
    const robust: Robust = {
      isDead: (owner) => {
        const deaths = deathCount();
        const k = owner & (ALIVE_CACHE - 1);
        if (aliveOwner[k] === owner && aliveAt[k] === deaths) return false;
        const dead = isDead(m, owner);
        if (!dead) {
          aliveOwner[k] = owner;
          aliveAt[k] = deaths;
        }
        return dead;
      },
      recover: (owner) => recoverOwner(m, owner),
      recovered: () => void Atomics.add(m.i32, H_LOCKS_RECOVERED >> 2, 1),
      sleepingOn: (w) => Atomics.store(m.i32, (entry + R_SLEEPING_ON) >> 2, w),
      deaths: deathCount,
    };
    this.never = giveUp(undefined, undefined, robust);
  }

  /**
   * Find the job (a valid id and its hash) and take its lock
   * (per-job) or the global lock; returns the slot, locked. Throws
   * JobNotFoundError (with nothing held). Pair with leave.
   */
  enter(id: string, hash: number, g: GiveUp): number {
    const slot = this.tryEnter(id, hash, g);
    if (slot === NONE) throw new JobNotFoundError(id);
    return slot;
  }

  /** enter, or NONE (with nothing held) when there is no job `id`. */
  tryEnter(id: string, hash: number, g: GiveUp): number {
    if (this.detached) throw new DetachedError();
    const m = this.#m;
    const hint = this.hints.get(id, hash);
    if (hint >= 0) {
      // Under the lock that guards the slot, its generation cannot change
      // (creates and removes take that lock): if it is the hint's, the slot
      // holds the same job as when the hint was taken, the job `id`.
      const lock = this.jobLock(hint);
      acquire(m, lock, g, this.#statsOf(lock));
      if (slotGen(m, slotBase(m, hint)) === this.hints.gen) return hint;
      release(m, lock);
      this.hints.forget(id, hash);
    }
    const slot = this.global ? this.#findGlobal(id, hash, g) : this.#findPerJob(id, hash, g);
    if (slot !== NONE) this.hints.remember(id, hash, slot, slotGen(m, slotBase(m, slot)));
    return slot;
  }

  #findGlobal(id: string, hash: number, g: GiveUp): number {
    const m = this.#m;
    acquire(m, GLOBAL_LOCK, g, statsIndex(GLOBAL_LOCK));
    const slot = findLocked(m, id, hash);
    if (slot === NONE) release(m, GLOBAL_LOCK);
    return slot;
  }

  #findPerJob(id: string, hash: number, g: GiveUp): number {
    const m = this.#m;
    for (;;) {
      let slot = findConfirmable(m, id, hash, this.unstickIndex);
      // A slot found is confirmed under its lock below, whatever the
      // hardware. "Not found" is an answer in itself: with locked reads it is
      // confirmed under the structure lock, which every create and remove
      // holds until its commit point, so the index it shows is committed.
      if (slot === NONE && this.lockedReads) {
        acquire(m, STRUCT_LOCK, g, statsIndex(STRUCT_LOCK));
        slot = findLocked(m, id, hash);
        release(m, STRUCT_LOCK);
      }
      if (slot === NONE) return NONE;
      const base = slotBase(m, slot);
      acquire(m, base + S_LOCK, g, this.#jobStats);
      // The slot may have been removed (and reused) between lookup and lock.
      if (slotHolds(m, base, id, hash)) return slot;
      release(m, base + S_LOCK);
    }
  }

  leave(slot: number): void {
    this.unlock(this.jobLock(slot));
  }

  lock(base: number): void {
    if (this.detached) throw new DetachedError();
    acquire(this.#m, base, this.never, this.#statsOf(base));
  }

  /** Where an acquisition of the lock at `base` is counted: a job lock's in this thread's registry entry, any other lock's in the lock. */
  #statsOf(base: number): number {
    return base >= this.#m.g.slotsOffset ? this.#jobStats : statsIndex(base);
  }

  unlock(base: number): void {
    this.#j.abandon();
    release(this.#m, base);
  }

  /** The lock guarding the job in `slot`: its own (per-job) or the global lock. */
  jobLock(slot: number): number {
    return this.global ? GLOBAL_LOCK : slotBase(this.#m, slot) + S_LOCK;
  }

  /** Run `fn` holding the lock at `base`, and always release it. */
  holding<T>(base: number, fn: () => T): T {
    this.lock(base);
    try {
      return fn();
    } finally {
      this.unlock(base);
    }
  }

  /** Run `fn` holding the global lock in global mode, and without a lock in per-job mode. */
  underGlobal<T>(fn: () => T): T {
    return this.global ? this.holding(GLOBAL_LOCK, fn) : fn();
  }

  /** Run `fn` holding the lock that guards the lists: the queue lock (per-job) or the global lock. */
  underLists<T>(fn: () => T): T {
    return this.holding(this.global ? GLOBAL_LOCK : QUEUE_LOCK, fn);
  }

  /**
   * A reader saw a seqlock odd for a long time: pass through the lock that
   * guards it (the job's, or the structure lock for the index), which
   * recovers a dead writer.
   */
  unstick(slot: number): void {
    this.holding(this.jobLock(slot), () => undefined);
  }

  readonly unstickIndex = (): void => {
    this.holding(this.structLock, () => undefined);
  };
}
