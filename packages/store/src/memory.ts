/**
 * Typed views over one store's SharedArrayBuffer, and the slot-level reads and
 * writes: the seqlock that lets any thread copy a job without a lock and
 * without ever seeing it half-written.
 */
import { STATUS_BY_CODE, STATUS_FREE } from './transitions.js';
import type { JobSnapshot } from './types.js';
import { decodeUtf8, equalsUtf8 } from './utf8.js';
import {
  COUNTERS,
  COUNTER_SHARDS,
  COUNTER_SHARD_BYTES,
  S_ATTEMPTS,
  S_CREATED_AT,
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
import { SELF, viewsOf } from './lock-core.js';

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
 * job's lock, or the global lock), so writers never race each other here.
 *
 * begin: an Atomics.add makes the sequence odd. It is a read-modify-write, so
 * (like a C++ seq_cst fetch_add) no later field write can become visible
 * before it: a reader that sees an even sequence saw none of this write.
 */
export function writeBegin(m: Mem, base: number): void {
  Atomics.add(m.i32, (base + S_SEQ) >> 2, 1);
}

/**
 * end: an Atomics.add back to even, after every field write. Being seq_cst,
 * it publishes all earlier writes: a reader that later sees this even value
 * also sees every field as this writer left it.
 */
export function writeEnd(m: Mem, base: number): void {
  Atomics.add(m.i32, (base + S_SEQ) >> 2, 1);
}

/** Result of reading a slot: the job, or why not. */
export const SLOT_FREE = 0;
export const SLOT_OTHER_ID = 1;

/**
 * Copy the job in `slot` without a lock (seqlock read side). Returns the
 * snapshot, or SLOT_FREE / SLOT_OTHER_ID when the slot no longer holds `id`
 * (removed or reused since the index lookup; the caller looks up again).
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
 * second load a valid check that the plain reads saw no writer. Readers never
 * write shared memory, so any number of them proceed in parallel and never
 * delay a writer (the Go original's RLock, without the reader count).
 */
export function readSlot(m: Mem, slot: number, id: string | undefined): JobSnapshot | typeof SLOT_FREE | typeof SLOT_OTHER_ID {
  const { i32, f64, u8, g } = m;
  const base = slotBase(m, slot);
  const seqIdx = (base + S_SEQ) >> 2;
  for (let spins = 0; ; spins++) {
    const s0 = Atomics.load(i32, seqIdx);
    if ((s0 & 1) !== 0) {
      backoff(i32, seqIdx, s0, spins);
      continue;
    }
    const state = i32[(base + S_STATE) >> 2] ?? 0;
    const attempts = i32[(base + S_ATTEMPTS) >> 2] ?? 0;
    const maxRetries = i32[(base + S_MAX_RETRIES) >> 2] ?? 0;
    const lens = i32[(base + S_LENS) >> 2] ?? 0;
    const version = f64[(base + S_VERSION) >> 3] ?? 0;
    const createdAt = f64[(base + S_CREATED_AT) >> 3] ?? 0;
    const updatedAt = f64[(base + S_UPDATED_AT) >> 3] ?? 0;
    // Clamp lengths read mid-write; a torn length is discarded by the check below.
    const idLen = Math.min(lens & 0xffff, g.maxIdBytes);
    const errLen = Math.min(lens >>> 16, g.maxErrorBytes);
    const buf = scratchOf(g.maxIdBytes + g.maxErrorBytes);
    buf.set(u8.subarray(base + S_ID, base + S_ID + idLen), 0);
    buf.set(u8.subarray(base + g.errOffset, base + g.errOffset + errLen), g.maxIdBytes);
    if (Atomics.load(i32, seqIdx) !== s0) continue;

    const code = state & STATE_STATUS_MASK;
    if (code === STATUS_FREE) return SLOT_FREE;
    if (id !== undefined && !equalsUtf8(buf, 0, idLen, id)) return SLOT_OTHER_ID;
    return {
      id: id ?? decodeUtf8(buf, idLen),
      status: STATUS_BY_CODE[code] ?? 'pending',
      attempts,
      maxRetries,
      lastError: (state & STATE_HAS_ERROR) !== 0 ? decodeUtf8(buf.subarray(g.maxIdBytes), errLen) : null,
      lastErrorTruncated: (state & STATE_TRUNCATED) !== 0,
      version,
      createdAt,
      updatedAt,
    };
  }
}

/**
 * A writer is inside (odd sequence). Writers hold it odd for a few hundred
 * nanoseconds, so spin on loads first; past that, sleep briefly on the
 * sequence word (writers do not notify, so the wait is bounded by a timeout).
 */
export function backoff(i32: Int32Array, idx: number, seen: number, spins: number): void {
  if (spins > 100) Atomics.wait(i32, idx, seen, 0.05);
}

/** Whether the live slot at `base` holds `id` (caller holds the slot's lock or the structure lock). */
export function slotHolds(m: Mem, base: number, id: string, hash: number): boolean {
  const { i32, u8 } = m;
  if (((i32[(base + S_STATE) >> 2] ?? 0) & STATE_STATUS_MASK) === STATUS_FREE) return false;
  if (i32[(base + S_HASH) >> 2] !== hash) return false;
  return equalsUtf8(u8, base + S_ID, (i32[(base + S_LENS) >> 2] ?? 0) & 0xffff, id);
}

/** Add `delta` to status `code`'s counter in this thread's shard (Atomics: shards are shared by threads). */
export function countAdd(m: Mem, code: number, delta: number): void {
  const shard = SELF % COUNTER_SHARDS;
  Atomics.add(m.i32, (COUNTERS + shard * COUNTER_SHARD_BYTES + code * 4) >> 2, delta);
}

/** Sum of status `code`'s counter over all shards. */
export function countOf(m: Mem, code: number): number {
  let n = 0;
  for (let k = 0; k < COUNTER_SHARDS; k++) n += Atomics.load(m.i32, (COUNTERS + k * COUNTER_SHARD_BYTES + code * 4) >> 2);
  return n;
}
