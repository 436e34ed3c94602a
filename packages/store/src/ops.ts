/**
 * The bodies of the critical sections: what happens to shared memory once the
 * right locks are held. Every write goes through the caller's journal, and
 * every check happens before the first write, so a refused call changes
 * nothing and a thread dying half-way can be rolled back (journal.ts).
 */
import { InvalidTransitionError, StaleClaimError } from './errors.js';
import type { Journal } from './journal.js';
import {
  H_LIVE, LIST_NONE, LIST_PENDING, LIST_RETRY, QUEUE_LOCK, S_ATTEMPTS, S_CREATED_AT, S_GEN, S_HASH, S_ID, S_LEASE_OWNER,
  S_LEASE_UNTIL, S_LENS, S_MAX_RETRIES, S_STATE, S_UPDATED_AT, S_VERSION, STATE_HAS_ERROR, STATE_LIST_MASK,
  STATE_LIST_SHIFT, STATE_STATUS_MASK, STATE_TRUNCATED,
} from './layout.js';
import { acquire, release } from './lock-core.js';
import { statsIndex } from './lock-stats.js';
import { SELF, ownerOf, type GiveUp } from './lock-word.js';
import { SLOT_FREE, SLOT_OTHER_ID, readSlot, slotBase, slotGen, writeBegin, writeEnd, type Mem } from './memory.js';
import { freeSlot, indexInsert, indexRemove, listPush, listUnlink } from './structures.js';
import { ALLOWED, STATUS_BY_CODE, STATUS_CODES, STATUS_FREE } from './transitions.js';
import type { JobSnapshot } from './types.js';
import { decodeUtf8, encodeAt } from './utf8.js';
import { fault } from './faults.js';

const PENDING = STATUS_CODES.pending;
const PROCESSING = STATUS_CODES.processing;
const FAILED = STATUS_CODES.failed;
/** Where the queue lock counts its acquisitions: in its own statistics words. */
const QUEUE_STATS = statsIndex(QUEUE_LOCK);

/** What a critical section needs: the memory, this thread's journal, how to take the queue lock. */
export interface Ctx {
  readonly m: Mem;
  readonly j: Journal;
  /** Global mode: the global lock already covers the lists. */
  readonly global: boolean;
  /** How to take the queue lock (with the robust hooks). */
  readonly queue: GiveUp;
  readonly leaseMs: number;
}

/**
 * Read a slot whose lock we hold (the seqlock read then succeeds at once).
 * With `id`, the caller knows the slot holds that job, whose id string is
 * then used rather than decoded.
 */
export function snapshotLocked(m: Mem, slot: number, id?: string): JobSnapshot {
  const s = readSlot(m, slot, id, undefined, id === undefined ? -1 : slotGen(m, slotBase(m, slot)));
  if (s === SLOT_FREE || s === SLOT_OTHER_ID) throw new Error('atomic-jobs: internal error, slot changed under its lock');
  return s;
}

/**
 * Move a slot between the pending / retry lists (caller holds its job lock).
 * In per-job mode this takes the queue lock (unless `held`: the caller took
 * it already) and returns whether it is held: the caller releases it only
 * after its commit point (endMove), because the journal may put these list
 * words back, which is only right while no other thread can have linked
 * anything after them. If the move itself throws (an internal error), a
 * queue lock it took is released here, after the journal has put the list
 * words back.
 */
function moveList(c: Ctx, slot: number, from: number, to: number, held: boolean): boolean {
  if (from === to) return held;
  const take = !c.global && !held;
  if (take) acquire(c.m, QUEUE_LOCK, c.queue, QUEUE_STATS);
  try {
    if (from !== LIST_NONE) listUnlink(c.m, c.j, from, slot);
    fault('list-move');
    if (to !== LIST_NONE) listPush(c.m, c.j, to, slot, from !== LIST_NONE);
  } catch (err) {
    if (take) abandonMove(c);
    throw err;
  }
  return !c.global;
}

/** Release the queue lock taken by moveList, once the change has passed its commit point. */
function endMove(c: Ctx, held: boolean): void {
  if (held) release(c.m, QUEUE_LOCK);
}

/** A change that holds the queue lock failed before its commit point: roll it back, lists included, then let the lists go. */
function abandonMove(c: Ctx): void {
  c.j.abandon();
  release(c.m, QUEUE_LOCK);
}

/**
 * Validate and apply one transition of the job in `slot` (its lock, or the
 * global lock, is held). Returns the job as it stands after the change.
 * With `queueHeld` (per-job mode: the caller took the queue lock, to look at
 * a list's head), the lock is released here, on every path: at the commit
 * point, or after rolling back if the call throws.
 */
export function applyTransition(
  c: Ctx, slot: number, id: string | undefined, to: number, lastError: string | null | undefined, attempt: number | undefined,
  queueHeld = false,
): JobSnapshot {
  if (!queueHeld) return transition(c, slot, id, to, lastError, attempt, false);
  try {
    return transition(c, slot, id, to, lastError, attempt, true);
  } catch (err) {
    // Thrown before the commit point, the queue lock is still ours: roll
    // back and release. (After it, endMove has released it, and the journal
    // keeps the committed change when the job's lock is released.)
    if (ownerOf(Atomics.load(c.m.i32, QUEUE_LOCK >> 2)) === SELF) abandonMove(c);
    throw err;
  }
}

function transition(
  c: Ctx, slot: number, id: string | undefined, to: number, lastError: string | null | undefined, attempt: number | undefined,
  queueHeld: boolean,
): JobSnapshot {
  const { m, j } = c;
  const { i32, f64 } = m;
  const base = slotBase(m, slot);
  const state = i32[(base + S_STATE) >> 2] ?? 0;
  const from = state & STATE_STATUS_MASK;
  let attempts = i32[(base + S_ATTEMPTS) >> 2] ?? 0;
  const maxRetries = i32[(base + S_MAX_RETRIES) >> 2] ?? 0;
  if (attempt !== undefined && (from !== PROCESSING || attempts !== attempt)) {
    throw new StaleClaimError(id ?? snapshotLocked(m, slot).id, attempt, attempts, STATUS_BY_CODE[from] ?? 'free');
  }
  const rule = ALLOWED[from * 5 + to] ?? 0;
  if (rule === 0 || (rule === 2 && attempts >= maxRetries)) {
    const why = rule === 2 ? `no retries left: ${attempts} of ${maxRetries} attempts used` : undefined;
    throw new InvalidTransitionError(id ?? snapshotLocked(m, slot).id, STATUS_BY_CODE[from] ?? 'free', STATUS_BY_CODE[to] ?? '?', why);
  }
  // Every check is done: from here on the call succeeds.
  j.saveSlot(slot, typeof lastError === 'string');
  fault('journaled');
  if (to === PROCESSING) attempts++;
  const newList = to === PENDING ? LIST_PENDING : to === FAILED && attempts < maxRetries ? LIST_RETRY : LIST_NONE;
  let flags = state & (STATE_HAS_ERROR | STATE_TRUNCATED);
  let truncated = false;
  const version = (f64[(base + S_VERSION) >> 3] ?? 0) + 1;
  const now = Date.now();
  writeBegin(m, base);
  if (lastError === null) flags = 0;
  else if (lastError !== undefined) {
    const r = encodeAt(m.u8, base + m.g.errOffset, m.g.maxErrorBytes, lastError);
    i32[(base + S_LENS) >> 2] = ((i32[(base + S_LENS) >> 2] ?? 0) & 0xffff) | (r.written << 16);
    truncated = r.truncated;
    flags = STATE_HAS_ERROR | (truncated ? STATE_TRUNCATED : 0);
  }
  i32[(base + S_STATE) >> 2] = to | flags | (newList << STATE_LIST_SHIFT);
  fault('mid-write');
  i32[(base + S_ATTEMPTS) >> 2] = attempts;
  i32[(base + S_LEASE_OWNER) >> 2] = to === PROCESSING ? SELF : 0;
  f64[(base + S_LEASE_UNTIL) >> 3] = to === PROCESSING ? now + c.leaseMs : 0;
  f64[(base + S_VERSION) >> 3] = version;
  f64[(base + S_UPDATED_AT) >> 3] = now;
  j.count(from, -1);
  j.count(to, 1);
  // The list move happens inside the slot's seqlock write: while the job is
  // off one list and not yet marked with its new status, readers of the job
  // wait (odd sequence) rather than see it "pending" while claimNext already
  // finds the pending list without it. It comes last, so the queue lock,
  // which every list move in the store shares, is held only for the links
  // (unless the caller took it already to look at a list's head: claimNext).
  const held = moveList(c, slot, (state & STATE_LIST_MASK) >> STATE_LIST_SHIFT, newList, queueHeld);
  // The commit point (see journal.ts): every other write of the change is done.
  writeEnd(m, base);
  endMove(c, held);
  fault('before-commit');
  // Build the result from what we just wrote; decode from memory (stable
  // under our lock) only what we do not already hold as a string.
  let error: string | null;
  if (lastError === undefined || truncated) {
    // Unchanged or cut: decode what is stored (stable: we hold the job's lock).
    error = (flags & STATE_HAS_ERROR) === 0 ? null : decodeUtf8(m.u8, base + m.g.errOffset, (i32[(base + S_LENS) >> 2] ?? 0) >>> 16);
  } else {
    // What was stored: a lone surrogate was encoded as U+FFFD, so return that, not the input.
    error = lastError === null || lastError.isWellFormed() ? lastError : lastError.toWellFormed();
  }
  return {
    id: id ?? decodeUtf8(m.u8, base + S_ID, (i32[(base + S_LENS) >> 2] ?? 0) & 0xffff),
    status: STATUS_BY_CODE[to] ?? 'pending',
    attempts,
    maxRetries,
    lastError: error,
    lastErrorTruncated: (flags & STATE_TRUNCATED) !== 0,
    version,
    createdAt: f64[(base + S_CREATED_AT) >> 3] ?? 0,
    updatedAt: now,
  };
}

/**
 * Fill a free slot with a new pending job (structure and job locks held). The
 * slot's seqlock write comes last: it is the commit point, and until it ends
 * the index entry leads to a slot that does not hold the id yet, so no
 * lookup finds the job half-made.
 */
export function initJob(c: Ctx, slot: number, id: string, idBytes: number, hash: number, maxRetries: number): void {
  const { m, j } = c;
  const { i32, f64 } = m;
  const base = slotBase(m, slot);
  const now = Date.now();
  j.saveSlot(slot, false);
  fault('journaled');
  j.setAtomic(H_LIVE >> 2, Atomics.load(i32, H_LIVE >> 2) + 1);
  j.count(PENDING, 1);
  indexInsert(m, j, slot, hash);
  writeBegin(m, base);
  // Queued inside the seqlock write, so the job takes its place in the FIFO
  // at the same instant it becomes visible (a get() meanwhile waits).
  const queueHeld = moveList(c, slot, LIST_NONE, LIST_PENDING, false);
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
  // A new incarnation: hints to the slot's previous job no longer match.
  f64[(base + S_GEN) >> 3] = (f64[(base + S_GEN) >> 3] ?? 0) + 1;
  encodeAt(m.u8, base + S_ID, idBytes, id);
  writeEnd(m, base);
  endMove(c, queueHeld);
}

/**
 * Remove the job in `slot` (structure and job locks held; not processing).
 * The slot's seqlock write to FREE is the commit point; unlinking the index
 * and freeing the slot follow it, and recovery finishes them if the thread
 * dies in between (journal.ts, finishRemove).
 */
export function removeJob(c: Ctx, slot: number, hash: number): void {
  const { m, j } = c;
  const i32 = m.i32;
  const base = slotBase(m, slot);
  const state = i32[(base + S_STATE) >> 2] ?? 0;
  j.saveSlot(slot, false, true);
  fault('journaled');
  j.setAtomic(H_LIVE >> 2, Atomics.load(i32, H_LIVE >> 2) - 1);
  j.count(state & STATE_STATUS_MASK, -1);
  writeBegin(m, base);
  const queueHeld = moveList(c, slot, (state & STATE_LIST_MASK) >> STATE_LIST_SHIFT, LIST_NONE, false);
  i32[(base + S_STATE) >> 2] = STATUS_FREE;
  i32[(base + S_LENS) >> 2] = 0;
  m.f64[(base + S_GEN) >> 3] = (m.f64[(base + S_GEN) >> 3] ?? 0) + 1;
  writeEnd(m, base);
  endMove(c, queueHeld);
  fault('before-commit');
  indexRemove(m, j, slot, hash);
  freeSlot(m, j, slot);
}

/**
 * When the lease of the job in `slot` ended, if it is processing with a
 * lease expired at `now`; else 0 (a racy peek without the lock; confirmed
 * under it).
 */
export function expiredLease(m: Mem, slot: number, now: number): number {
  const base = slotBase(m, slot);
  if (((m.i32[(base + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK) !== PROCESSING) return 0;
  const until = m.f64[(base + S_LEASE_UNTIL) >> 3] ?? 0;
  return until > 0 && until <= now ? until : 0;
}
