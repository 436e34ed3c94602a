/**
 * Typed views over one store's SharedArrayBuffer, and the slot-level reads and
 * writes: the seqlock that lets any thread copy a job without a lock and
 * without ever seeing it half-written.
 */
import { STATUS_BY_CODE, STATUS_FREE } from './transitions.js';
import type { JobSnapshot } from './types.js';
import { decodeUtf8, equalsUtf8 } from './utf8.js';
import {
  S_ATTEMPTS,
  S_CREATED_AT,
  S_GEN,
  S_HASH,
  S_ID,
  S_LENS,
  S_MAX_RETRIES,
  S_SEQ,
  S_STATE,
  S_UPDATED_AT,
  S_VERSION,
  STATE_HAS_ERROR,
  STATE_STATUS_MASK,
  STATE_TRUNCATED,
  type Geometry,
} from './layout.js';
import { viewsOf } from './lock-word.js';

export interface Mem {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly g: Geometry;
}

export function memOf(buffer: SharedArrayBuffer, g: Geometry): Mem {
  const { i32, f64 } = viewsOf(buffer);
  return { buffer, i32, f64, u8: new Uint8Array(buffer), g };
}

export function slotBase(m: Mem, slot: number): number {
  return m.g.slotsOffset + slot * m.g.slotBytes;
}

/** Per-thread scratch for copying strings out of shared memory before decoding. */
let scratch = new Uint8Array(512);
function scratchOf(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch;
}

/**
 * Seqlock write side. The caller holds the lock that owns this slot (the
 * job's lock, or the global lock), so writers never race each other here,
 * and the sequence is only ever written by the holder: a plain read of it
 * is exact, and the holder's writes reach the next holder through the
 * lock's release and acquire (Atomics operations on the lock word), as
 * everything else in the slot does.
 *
 * begin: a plain store makes the sequence odd, before any field write.
 * Lock-free readers exist only on x86-64 (reads: 'seqlock' is refused
 * elsewhere, options.ts), where stores become visible in program order
 * (x86-TSO), and V8 keeps typed-array stores in program order and never
 * drops one (its store-store elimination works on object fields only): a
 * reader that sees any field write of ours sees the odd sequence first,
 * and so it either waits or its second load of the sequence differs. (This
 * is the Linux kernel's x86 seqcount write side: plain increments, with only
 * compiler barriers.) An Atomics.add here and in writeEnd, a builtin call
 * each in V8 11, made an updateStatus ~7 % slower, for an ordering x86-64
 * gives anyway.
 */
export function writeBegin(m: Mem, base: number): void {
  const i = (base + S_SEQ) >> 2;
  m.i32[i] = (m.i32[i] ?? 0) + 1;
}

/**
 * end: a plain store back to even, after every field write: on x86-64 it
 * becomes visible after all of them, so a reader that sees this even value
 * also sees every field as this writer left it.
 */
export function writeEnd(m: Mem, base: number): void {
  const i = (base + S_SEQ) >> 2;
  m.i32[i] = (m.i32[i] ?? 0) + 1;
}

/** The slot's generation (S_GEN). Stable while its lock (or the global lock) is held. */
export function slotGen(m: Mem, base: number): number {
  return m.f64[(base + S_GEN) >> 3] ?? 0;
}

/** Out-parameter of readSlot: the generation of the slot in the snapshot it returned. */
export const seen = { gen: 0 };

/** Result of reading a slot: the job, or why not. */
export const SLOT_FREE = 0;
export const SLOT_OTHER_ID = 1;

/**
 * Copy the job in `slot` without a lock (seqlock read side). Returns the
 * snapshot, or SLOT_FREE / SLOT_OTHER_ID when the slot no longer holds `id`
 * (removed or reused since the index lookup; the caller looks up again).
 * With `gen` >= 0 (from a hint), the slot must hold the job of that
 * generation, which is then the job `id`, and its bytes are not compared.
 * `seen.gen` is set to the generation of the job returned.
 *
 * Protocol: read the sequence s0 (Atomics.load); if odd a writer is inside,
 * so retry. Copy every field and the string bytes into private memory. Read
 * the sequence again: if it still equals s0, no write started or finished in
 * between, so the copy is one state the job really had (status, attempts,
 * error and version from the same update). Only then decode the copied bytes,
 * so a torn copy is never even turned into a string.
 *
 * Ordering: JavaScript has no fences, so the two Atomics.loads bracket the
 * plain reads. V8 keeps typed-array accesses in program order around Atomics
 * operations, and x86-64 never reorders loads with loads, which makes the
 * second load a valid check that the plain reads saw no writer. (Elsewhere,
 * where loads may pass loads, JobStore reads under the job's lock instead and
 * this read then always succeeds at once: ReadMode in options.ts.) Readers never
 * write shared memory, so any number of them proceed in parallel and never
 * delay a writer (the Go original's RLock, without the reader count).
 */
export function readSlot(
  m: Mem,
  slot: number,
  id: string | undefined,
  stuck?: () => void,
  gen = -1,
): JobSnapshot | typeof SLOT_FREE | typeof SLOT_OTHER_ID {
  const { i32, f64, u8, g } = m;
  const base = slotBase(m, slot);
  const seqIdx = (base + S_SEQ) >> 2;
  for (let spins = 0; ; spins++) {
    const s0 = Atomics.load(i32, seqIdx);
    if ((s0 & 1) !== 0) {
      backoff(i32, seqIdx, s0, spins, stuck);
      continue;
    }
    const state = i32[(base + S_STATE) >> 2] ?? 0;
    const attempts = i32[(base + S_ATTEMPTS) >> 2] ?? 0;
    const maxRetries = i32[(base + S_MAX_RETRIES) >> 2] ?? 0;
    const lens = i32[(base + S_LENS) >> 2] ?? 0;
    const version = f64[(base + S_VERSION) >> 3] ?? 0;
    const createdAt = f64[(base + S_CREATED_AT) >> 3] ?? 0;
    const updatedAt = f64[(base + S_UPDATED_AT) >> 3] ?? 0;
    const slotGeneration = f64[(base + S_GEN) >> 3] ?? 0;
    // Clamp lengths read mid-write; a torn length is discarded by the check below.
    const idLen = Math.min(lens & 0xffff, g.maxIdBytes);
    const errLen = (state & STATE_HAS_ERROR) !== 0 ? Math.min(lens >>> 16, g.maxErrorBytes) : 0;
    // The id is compared in place: the comparison's verdict is only used if
    // the sequence check below shows the bytes were stable while we compared.
    const sameId = id === undefined || (gen >= 0 ? slotGeneration === gen : equalsUtf8(u8, base + S_ID, idLen, id));
    const buf = scratchOf(g.maxIdBytes + g.maxErrorBytes);
    if (id === undefined) copyBytes(u8, base + S_ID, buf, 0, idLen);
    copyBytes(u8, base + g.errOffset, buf, g.maxIdBytes, errLen);
    if (Atomics.load(i32, seqIdx) !== s0) continue;

    const code = state & STATE_STATUS_MASK;
    if (code === STATUS_FREE) return SLOT_FREE;
    if (!sameId) return SLOT_OTHER_ID;
    seen.gen = slotGeneration;
    return {
      id: id ?? decodeUtf8(buf, 0, idLen),
      status: STATUS_BY_CODE[code] ?? 'pending',
      attempts,
      maxRetries,
      lastError: (state & STATE_HAS_ERROR) !== 0 ? decodeUtf8(buf, g.maxIdBytes, errLen) : null,
      lastErrorTruncated: (state & STATE_TRUNCATED) !== 0,
      version,
      createdAt,
      updatedAt,
    };
  }
}

/** Copy shared bytes into private memory: a loop, cheaper than subarray + set for short strings. */
function copyBytes(from: Uint8Array, at: number, to: Uint8Array, toAt: number, n: number): void {
  for (let k = 0; k < n; k++) to[toAt + k] = from[at + k] ?? 0;
}

/**
 * A writer is inside (odd sequence). Writers hold it odd for a few hundred
 * nanoseconds, so spin on loads first; past that, sleep briefly on the
 * sequence word (writers do not notify, so the wait is bounded by a timeout).
 */
export function backoff(i32: Int32Array, idx: number, seen: number, spins: number, stuck?: () => void): void {
  if (spins > 100) Atomics.wait(i32, idx, seen, 0.05);
  // Odd for this long (tens of ms): perhaps its writer died mid-write. Let the
  // caller take the lock that guards it, which recovers a dead owner.
  if (stuck !== undefined && spins % 1000 === 999) stuck();
}

/** Whether the live slot at `base` holds `id` (caller holds the slot's lock or the structure lock). */
export function slotHolds(m: Mem, base: number, id: string, hash: number): boolean {
  const { i32, u8 } = m;
  if (i32[(base + S_HASH) >> 2] !== hash) return false;
  if (((i32[(base + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK) === STATUS_FREE) return false;
  return equalsUtf8(u8, base + S_ID, (i32[(base + S_LENS) >> 2] ?? 0) & 0xffff, id);
}
