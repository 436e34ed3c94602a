/**
 * The shared structures that span slots: the id -> slot hash index (chains
 * through the slots, guarded by a seqlock so lookups never lock), the free-slot
 * list, and the two intrusive FIFO lists (pending jobs, failed jobs with
 * retries left) that make claimNext and retryFailed O(1) per job.
 *
 * Who may write what:
 *   index chains, free list, H_LIVE, H_HIGH_WATER -> holder of the structure lock (or the global lock)
 *   list links and heads                           -> holder of the queue lock (or the global lock)
 */
import {
  H_FREE_HEAD,
  H_HIGH_WATER,
  H_INDEX_SEQ,
  H_PENDING_HEAD,
  H_PENDING_TAIL,
  H_RETRY_HEAD,
  H_RETRY_LEN,
  H_RETRY_TAIL,
  LIST_PENDING,
  S_HASH_NEXT,
  L_NEXT,
  L_PREV,
} from './layout.js';
import { backoff, slotBase, slotHolds, type Mem } from './memory.js';
import type { Journal } from './journal.js';

const NONE = -1;

function bucketIdx(m: Mem, hash: number): number {
  return (m.g.bucketsOffset + (hash & (m.g.buckets - 1)) * 4) >> 2;
}

/** Walk one chain. Bounded, because a lock-free reader may follow links that are being changed. */
function walk(m: Mem, id: string, hash: number): number {
  const i32 = m.i32;
  let slot = i32[bucketIdx(m, hash)] ?? NONE;
  for (let steps = 0; slot !== NONE && steps <= m.g.capacity; steps++) {
    const base = slotBase(m, slot);
    if (slotHolds(m, base, id, hash)) return slot;
    slot = i32[(base + S_HASH_NEXT) >> 2] ?? NONE;
  }
  return NONE;
}

/** Lookup by a thread that holds the structure (or global) lock: chains cannot change under it. */
export function findLocked(m: Mem, id: string, hash: number): number {
  return walk(m, id, hash);
}

/**
 * Lock-free lookup (seqlock read on H_INDEX_SEQ). The chain walk reads plain
 * memory that a create/remove may be relinking; if the sequence was odd, or
 * differs after the walk, the walk may have followed a half-made link, so we
 * discard it and walk again. A stable even sequence brackets a walk during
 * which no chain changed: the answer (slot or NONE) held at that instant.
 */
export function findOptimistic(m: Mem, id: string, hash: number, stuck?: () => void): number {
  const i32 = m.i32;
  const seqIdx = H_INDEX_SEQ >> 2;
  for (let spins = 0; ; spins++) {
    const s0 = Atomics.load(i32, seqIdx);
    if ((s0 & 1) !== 0) {
      backoff(i32, seqIdx, s0, spins, stuck);
      continue;
    }
    const slot = walk(m, id, hash);
    if (Atomics.load(i32, seqIdx) === s0) return slot;
  }
}

/**
 * Lookup for a caller that confirms a slot found itself: under the slot's
 * lock (slotHolds), or by a seqlock read of the slot that compares the id.
 * A walk that raced a relink can only lead to a slot that then fails that
 * check (and the caller looks again), or to none: so a slot found needs no
 * index seqlock, and only "not found" is asked again of findOptimistic,
 * whose bracketing makes it an answer. This spares every lookup that finds
 * its job the two Atomics.loads of the index sequence (builtin calls in V8).
 */
export function findConfirmable(m: Mem, id: string, hash: number, stuck?: () => void): number {
  const slot = walk(m, id, hash);
  return slot !== NONE ? slot : findOptimistic(m, id, hash, stuck);
}

/**
 * Relink under the structure lock. The Atomics.add pair makes the index
 * sequence odd for the duration (a read-modify-write first, so no relinking
 * store is visible before readers can know; a seq_cst add after, publishing them).
 */
export function indexInsert(m: Mem, j: Journal, slot: number, hash: number): void {
  const i32 = m.i32;
  const b = bucketIdx(m, hash);
  Atomics.add(i32, H_INDEX_SEQ >> 2, 1);
  j.set((slotBase(m, slot) + S_HASH_NEXT) >> 2, i32[b] ?? NONE);
  j.set(b, slot);
  Atomics.add(i32, H_INDEX_SEQ >> 2, 1);
}

export function indexRemove(m: Mem, j: Pick<Journal, 'set'>, slot: number, hash: number): void {
  const i32 = m.i32;
  const b = bucketIdx(m, hash);
  const next = i32[(slotBase(m, slot) + S_HASH_NEXT) >> 2] ?? NONE;
  Atomics.add(i32, H_INDEX_SEQ >> 2, 1);
  let cur = i32[b] ?? NONE;
  if (cur === slot) j.set(b, next);
  else {
    while (cur !== NONE) {
      const nextIdx = (slotBase(m, cur) + S_HASH_NEXT) >> 2;
      const n = i32[nextIdx] ?? NONE;
      if (n === slot) {
        j.set(nextIdx, next);
        break;
      }
      cur = n;
    }
  }
  Atomics.add(i32, H_INDEX_SEQ >> 2, 1);
}

/** Whether `slot` is on the list of slots linked through S_HASH_NEXT from `head` (recovery only). */
function linkedFrom(m: Mem, head: number, slot: number): boolean {
  let cur = head;
  for (let steps = 0; cur !== NONE && steps <= m.g.capacity; steps++) {
    if (cur === slot) return true;
    cur = m.i32[(slotBase(m, cur) + S_HASH_NEXT) >> 2] ?? NONE;
  }
  return false;
}

/** Whether `slot` is linked in its hash chain (recovery only). */
export function chainHas(m: Mem, slot: number, hash: number): boolean {
  return linkedFrom(m, m.i32[bucketIdx(m, hash)] ?? NONE, slot);
}

/** Whether `slot` is on the free list (recovery only). */
export function freeListHas(m: Mem, slot: number): boolean {
  return linkedFrom(m, m.i32[H_FREE_HEAD >> 2] ?? NONE, slot);
}

/** Take a free slot (structure lock held): the free list first, then never-used slots. NONE when full. */
export function allocSlot(m: Mem, j: Journal): number {
  const i32 = m.i32;
  const free = i32[H_FREE_HEAD >> 2] ?? NONE;
  if (free !== NONE) {
    j.set(H_FREE_HEAD >> 2, i32[(slotBase(m, free) + S_HASH_NEXT) >> 2] ?? NONE);
    return free;
  }
  const hw = Atomics.load(i32, H_HIGH_WATER >> 2);
  if (hw >= m.g.capacity) return NONE;
  // Atomic so that list()/stats() on other threads read a whole value.
  j.setAtomic(H_HIGH_WATER >> 2, hw + 1);
  return hw;
}

/** Return a slot to the free list (structure lock held; the slot is already out of the index). */
export function freeSlot(m: Mem, j: Pick<Journal, 'set'>, slot: number): void {
  const i32 = m.i32;
  j.set((slotBase(m, slot) + S_HASH_NEXT) >> 2, i32[H_FREE_HEAD >> 2] ?? NONE);
  j.set(H_FREE_HEAD >> 2, slot);
}

/** Byte offset of slot `slot`'s list links. */
function linksOf(m: Mem, slot: number): number {
  return slotBase(m, slot) + m.g.linksOffset;
}

/** Word indices of a list's ends (two functions, not an array: they run in every list move). */
function headWord(list: number): number {
  return list === LIST_PENDING ? H_PENDING_HEAD >> 2 : H_RETRY_HEAD >> 2;
}

function tailWord(list: number): number {
  return list === LIST_PENDING ? H_PENDING_TAIL >> 2 : H_RETRY_TAIL >> 2;
}

/**
 * Append to a list (queue lock held). The head is stored with Atomics.store so
 * that claimNext's lock-free peek (Atomics.load) reads a whole slot number.
 * Every write goes through the journal (see journal.ts), except the slot's
 * own links when it was on no list (`wasListed` false): those words meant
 * nothing before, and a rollback puts the slot's state back to "on no
 * list", after which nothing reads them.
 */
export function listPush(m: Mem, j: Journal, list: number, slot: number, wasListed: boolean): void {
  const i32 = m.i32;
  const h = headWord(list);
  const t = tailWord(list);
  const links = linksOf(m, slot);
  const tail = i32[t] ?? NONE;
  if (wasListed) {
    j.set((links + L_PREV) >> 2, tail);
    j.set((links + L_NEXT) >> 2, NONE);
  } else {
    i32[(links + L_PREV) >> 2] = tail;
    i32[(links + L_NEXT) >> 2] = NONE;
  }
  if (tail === NONE) j.setAtomic(h, slot);
  else j.set((linksOf(m, tail) + L_NEXT) >> 2, slot);
  j.set(t, slot);
  if (list !== LIST_PENDING) j.set(H_RETRY_LEN >> 2, (i32[H_RETRY_LEN >> 2] ?? 0) + 1);
}

/** Unlink from the middle of a list in O(1) (queue lock held). */
export function listUnlink(m: Mem, j: Journal, list: number, slot: number): void {
  const i32 = m.i32;
  const h = headWord(list);
  const t = tailWord(list);
  const links = linksOf(m, slot);
  const prev = i32[(links + L_PREV) >> 2] ?? NONE;
  const next = i32[(links + L_NEXT) >> 2] ?? NONE;
  if (prev === NONE) j.setAtomic(h, next);
  else j.set((linksOf(m, prev) + L_NEXT) >> 2, next);
  if (next === NONE) j.set(t, prev);
  else j.set((linksOf(m, next) + L_PREV) >> 2, prev);
  if (list !== LIST_PENDING) j.set(H_RETRY_LEN >> 2, (i32[H_RETRY_LEN >> 2] ?? 0) - 1);
}

/** Lock-free peek at a list's head (a hint; confirmed under the locks). */
export function listHead(m: Mem, list: number): number {
  return Atomics.load(m.i32, headWord(list));
}

export { NONE };
