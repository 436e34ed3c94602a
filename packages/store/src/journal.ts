/**
 * Surviving a thread that dies inside a critical section (issue: fault
 * tolerance). Each JobStore instance registers one entry in the shared
 * thread registry (registry.ts). While it holds a lock and changes shared
 * memory, every word it is about to overwrite is first logged (index, old
 * value) in its entry, and the slot it changes is first copied whole: an
 * undo journal. Closing the critical section empties the journal (the
 * commit point).
 *
 * If the thread dies (the pool marks its entry dead when the worker exits),
 * the next thread to find one of its locks owned by a dead owner replays the
 * journal backwards: the job being written goes back entirely to what it was
 * before, the lists, index and counters too, and nothing else is touched.
 * An op that had committed stays entirely done. Either way, never torn.
 *
 * Logging order makes a death at any instant safe: the pair (index, old) is
 * written, then the length is bumped, then the data word is written. Dying
 * before the bump leaves the data word untouched; after it, the old value
 * is restored (a no-op if the data write had not happened yet).
 */
import {
  H_INDEX_SEQ, H_JOBS_REPAIRED, R_COUNTS, R_IMAGE, R_IMAGE_COUNTS, R_IMAGE_ERR, R_IMAGE_FLAGS, R_LOG_LEN, R_MAX_PAIRS, R_PAIRS,
  S_HASH, S_HASH_NEXT, S_ID, S_SEQ, S_STATE,
} from './layout.js';
import { slotBase, type Mem } from './memory.js';
import { fault } from './faults.js';
import { chainHas, freeListHas, freeSlot, indexRemove } from './structures.js';

const IMAGE_WITH_ERROR = 1;
const IMAGE_REMOVING = 2;
/** Recovery's decision, written before its first write: the change is undone... */
const IMAGE_UNDO = 4;
/** ...or kept (and a remove finished). */
const IMAGE_KEEP = 8;
/** The slot's own fields, S_STATE up to the id bytes, in words. */
const IMAGE_WORDS = (S_ID - S_STATE) >> 2;
/** Status counters, codes 1 to 4, from byte R_COUNTS + 4 of an entry. */
const COUNT_WORDS = 4;
const FIRST_COUNT = R_COUNTS + 4;

/** Copy `n` words from byte `from` to byte `to` (both 4-aligned): a loop beats copyWithin's call at these sizes. */
function copyWords(i32: Int32Array, to: number, from: number, n: number): void {
  for (let k = 0, t = to >> 2, f = from >> 2; k < n; k++) i32[t + k] = i32[f + k] ?? 0;
}

/**
 * Finish or undo the journal of entry `e`. The commit point of every change
 * is the end of its slot's seqlock write (writeEnd): that is when readers can
 * first see it, and every other write of the change comes before it, except
 * the index unlink and slot release that follow a remove. So:
 *  - the slot's sequence moved past the saved one and is even: the change was
 *    complete and may have been seen. Keep it (finishing a remove);
 *  - otherwise (unchanged, or odd: mid-write): nobody saw it. Undo every
 *    logged word, newest first, and put the slot's image back.
 *
 * The decision is written into the entry (IMAGE_UNDO / IMAGE_KEEP) before
 * the first write, and the journal is emptied only at the very end, so a
 * recoverer that dies half-way leaves a rollback that runs again from the
 * start to the same end: undoing writes old values again, putting the image
 * back bumps the sequence only if it is still odd, finishing a remove checks
 * what is left to do. (Reading the decision again from the sequence would be
 * wrong then: putting the image back moves an odd sequence to a new even
 * value, which reads as "committed".)
 */
export function rollback(m: Mem, e: number): void {
  const i32 = m.i32;
  const n = Math.min(i32[(e + R_LOG_LEN) >> 2] ?? 0, R_MAX_PAIRS);
  let image = -1;
  for (let p = 0; p < n && image < 0; p++) if ((i32[(e + R_PAIRS + p * 8) >> 2] ?? 0) < 0) image = p;
  const flagsIdx = (e + R_IMAGE_FLAGS) >> 2;
  let keep = false;
  if (image >= 0) {
    const at = (e + R_PAIRS + image * 8) >> 2;
    const slot = ~(i32[at] ?? 0);
    let flags = i32[flagsIdx] ?? 0;
    if ((flags & (IMAGE_UNDO | IMAGE_KEEP)) === 0) {
      const seq = Atomics.load(i32, (slotBase(m, slot) + S_SEQ) >> 2);
      const committed = seq !== i32[at + 1] && (seq & 1) === 0;
      // A committed change that needs nothing done (all but a remove) is not a repair.
      if (!committed || (flags & IMAGE_REMOVING) !== 0) Atomics.add(i32, H_JOBS_REPAIRED >> 2, 1);
      flags |= committed ? IMAGE_KEEP : IMAGE_UNDO;
      i32[flagsIdx] = flags;
    }
    keep = (flags & IMAGE_KEEP) !== 0;
    if (keep && (flags & IMAGE_REMOVING) !== 0) finishRemove(m, slot);
  }
  if (!keep) {
    for (let p = n - 1; p >= 0; p--) {
      const at = (e + R_PAIRS + p * 8) >> 2;
      const idx = i32[at] ?? 0;
      if (idx >= 0) i32[idx] = i32[at + 1] ?? 0;
      else restoreSlot(m, e, ~idx, ((i32[flagsIdx] ?? 0) & IMAGE_WITH_ERROR) !== 0);
    }
    // The same for the index sequence, if the dead thread was relinking a chain.
    if ((Atomics.load(i32, H_INDEX_SEQ >> 2) & 1) !== 0) Atomics.add(i32, H_INDEX_SEQ >> 2, 1);
  }
  fault('rolling-back');
  i32[(e + R_LOG_LEN) >> 2] = 0;
}

/** Writes without undo pairs: recovery's own (finishRemove), which a rollback run again redoes rather than undoes. */
function directWrites(m: Mem): Pick<Journal, 'set'> {
  return { set: (idx, value) => void (m.i32[idx] = value) };
}

/**
 * A remove committed (slot written free) but its thread died before
 * unlinking the index or freeing the slot: do what is left of that (each
 * step checks whether it is needed, so running it again is harmless).
 */
function finishRemove(m: Mem, slot: number): void {
  const w = directWrites(m);
  const hash = m.i32[(slotBase(m, slot) + S_HASH) >> 2] ?? 0;
  if (chainHas(m, slot, hash)) indexRemove(m, w, slot, hash);
  if ((Atomics.load(m.i32, H_INDEX_SEQ >> 2) & 1) !== 0) Atomics.add(m.i32, H_INDEX_SEQ >> 2, 1);
  if (!freeListHas(m, slot)) freeSlot(m, w, slot);
}

function restoreSlot(m: Mem, e: number, slot: number, withError: boolean): void {
  if (slot >= m.g.capacity) return;
  const { i32, u8 } = m;
  const base = slotBase(m, slot);
  // Only the job's own fields: the hash-chain link between them may have been
  // changed since the image was taken by a thread holding the structure lock,
  // legitimately; it is put back by its own undo pair, logged under that lock
  // (as are the list links, which are outside the image).
  u8.copyWithin(base + S_STATE, e + R_IMAGE, e + R_IMAGE + (S_HASH_NEXT - S_STATE));
  u8.copyWithin(base + S_HASH_NEXT + 4, e + R_IMAGE + (S_HASH_NEXT + 4 - S_STATE), e + R_IMAGE + (S_ID - S_STATE));
  if (withError) u8.copyWithin(base + m.g.errOffset, e + R_IMAGE_ERR, e + R_IMAGE_ERR + m.g.maxErrorBytes);
  // The dead thread's status counters, which it changed without undo pairs (see count).
  copyWords(i32, e + FIRST_COUNT, e + R_IMAGE_COUNTS, COUNT_WORDS);
  // Readers may have copied a half-written slot under an odd sequence; move
  // it forward to a NEW even value (never back to the old one, which could
  // let a reader that began before the dead write validate a torn copy).
  const seq = (base + S_SEQ) >> 2;
  if ((Atomics.load(i32, seq) & 1) !== 0) Atomics.add(i32, seq, 1);
}

/** This thread's undo journal (in its registry entry). One critical section at a time. */
export class Journal {
  readonly #m: Mem;
  readonly #i32: Int32Array;
  readonly #e: number;
  /** Word indices of the journal's length and of its first pair. */
  readonly #len: number;
  readonly #pairs: number;
  /**
   * The journal's length as this thread last wrote it. Only this thread
   * writes the shared word while it lives (a recoverer writes it only once
   * the thread is dead), so the copy saves reading it back on every log.
   */
  #n: number;

  /** The entry's journal must be empty (length 0). */
  constructor(m: Mem, entry: number) {
    this.#m = m;
    this.#i32 = m.i32;
    this.#e = entry;
    this.#len = (entry + R_LOG_LEN) >> 2;
    this.#pairs = (entry + R_PAIRS) >> 2;
    this.#n = 0;
  }

  /** Log the old value of i32 word `idx`, then write `value`. */
  set(idx: number, value: number): void {
    const i32 = this.#i32;
    this.#log(idx, i32[idx] ?? 0);
    i32[idx] = value;
  }

  /** Like set, but the write is an Atomics.store (for words that lock-free readers load). */
  setAtomic(idx: number, value: number): void {
    // The old value by a plain read: such words are only written by holders
    // of the lock that guards them, which we are. (Each Atomics call is a
    // builtin call in V8, not an inlined instruction.)
    this.#log(idx, this.#i32[idx] ?? 0);
    Atomics.store(this.#i32, idx, value);
  }

  /** Append the pair (idx, old): the pair first, then the length, so a death in between logs nothing. */
  #log(idx: number, old: number): void {
    const i32 = this.#i32;
    const n = this.#n;
    if (n >= R_MAX_PAIRS) throw new Error('atomic-jobs: internal error, undo journal overflow');
    const at = this.#pairs + 2 * n;
    i32[at] = idx;
    i32[at + 1] = old;
    i32[this.#len] = this.#n = n + 1;
  }

  /**
   * Save the slot's fields (and its error bytes when `withError`) before the
   * first change to it. The image is journaled as a pair (-(slot + 1), the
   * slot's sequence number now), appended only once the copy is complete.
   * The sequence tells recovery how far the dead thread got (see rollback).
   */
  saveSlot(slot: number, withError: boolean, removing = false): void {
    const { i32, u8, g } = this.#m;
    const base = slotBase(this.#m, slot);
    const e = this.#e;
    copyWords(i32, e + R_IMAGE, base + S_STATE, IMAGE_WORDS);
    if (withError) u8.copyWithin(e + R_IMAGE_ERR, base + g.errOffset, base + g.errOffset + g.maxErrorBytes);
    i32[(e + R_IMAGE_FLAGS) >> 2] = (withError ? IMAGE_WITH_ERROR : 0) | (removing ? IMAGE_REMOVING : 0);
    copyWords(i32, e + R_IMAGE_COUNTS, e + FIRST_COUNT, COUNT_WORDS);
    // A plain read of the sequence: only the holder of the slot's lock writes it, and we hold it.
    this.#log(~slot, i32[(base + S_SEQ) >> 2] ?? 0);
  }

  /**
   * Add `delta` to this thread's counter for status `code` (only this thread
   * writes it). No undo pair: every critical section that counts saved a slot
   * image first, and the image carries the counters as they were then, so a
   * rollback puts them back with the job (restoreSlot).
   */
  count(code: number, delta: number): void {
    const idx = (this.#e + R_COUNTS + code * 4) >> 2;
    this.#i32[idx] = (this.#i32[idx] ?? 0) + delta;
  }

  /**
   * Called on every unlock: if the critical section is being left by an
   * exception after its first write (an internal error), put everything back
   * rather than leave a half-applied change behind.
   */
  abandon(): void {
    if (this.#n === 0) return;
    rollback(this.#m, this.#e);
    this.#n = 0;
  }

  /** Close the critical section: one store empties the journal, so the change is now entirely done. */
  commit(): void {
    this.#i32[this.#len] = this.#n = 0;
  }
}
