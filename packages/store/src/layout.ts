/**
 * The store's memory layout: every offset named once, here. Byte offsets;
 * `>> 2` / `>> 3` turn them into Int32Array / Float64Array indices.
 *
 *   0      header: magic, version, geometry, structure words      (128 B)
 *   128    GLOBAL lock    (own 64-byte line)                       Mutex
 *   192    STRUCTURE lock (index + slot allocation, per-job mode)  Mutex
 *   256    QUEUE lock     (pending / retry lists, per-job mode)    Mutex
 *   320    per-status counters, 16 shards x 64 B
 *   1344   thread registry (reserved for robust-lock recovery)
 *   ...    hash index: `buckets` x i32 heads of chains through the slots
 *   ...    slots: `capacity` x `slotBytes`, each 64-byte aligned
 */
import { LOCK_BYTES } from './lock-core.js';

export const MAGIC = 0x534a4a41; // "AJJS" little-endian
export const LAYOUT_VERSION = 1;
export const CACHE_LINE = 64;

// ---- header: immutable geometry (written once by create) ----
export const H_MAGIC = 0;
export const H_VERSION = 4;
export const H_CAPACITY = 8;
export const H_MAX_ID_BYTES = 12;
export const H_MAX_ERROR_BYTES = 16;
export const H_LOCKING = 20;
export const H_SLOT_BYTES = 24;
export const H_BUCKETS = 28;
export const H_BYTE_LENGTH = 32; // f64

// ---- header: structure words (changed under the structure lock, or the global lock) ----
/** Head of the free-slot list (slot index, -1 none). */
export const H_FREE_HEAD = 40;
/** Slots ever handed out; slots at or above it were never used. */
export const H_HIGH_WATER = 44;
/** Seqlock of the hash index: odd while a create or remove relinks a chain. */
export const H_INDEX_SEQ = 48;
/** Live jobs. */
export const H_LIVE = 52;

// ---- header: list words (changed under the queue lock, or the global lock) ----
export const H_PENDING_HEAD = 56;
export const H_PENDING_TAIL = 60;
export const H_RETRY_HEAD = 64;
export const H_RETRY_TAIL = 68;
export const H_RETRY_LEN = 72;

export const HEADER_BYTES = 128;

// ---- locks ----
export const GLOBAL_LOCK = 128;
export const STRUCT_LOCK = 192;
export const QUEUE_LOCK = 256;

// ---- counters: shard k at COUNTERS + k * COUNTER_SHARD_BYTES, one i32 per status code ----
export const COUNTERS = 320;
export const COUNTER_SHARDS = 16;
export const COUNTER_SHARD_BYTES = CACHE_LINE;

// ---- thread registry (reserved) ----
export const REGISTRY = COUNTERS + COUNTER_SHARDS * COUNTER_SHARD_BYTES;
export const REGISTRY_BYTES = 16_384;

export const FIXED_BYTES = REGISTRY + REGISTRY_BYTES;

// ---- slot fields, relative to the slot's start ----
/** The job's own lock (per-job mode). */
export const S_LOCK = 0;
/** Seqlock of the slot's job fields: odd while they are being written. */
export const S_SEQ = LOCK_BYTES; // 48
/** status code (bits 0-2) | TRUNCATED | HAS_ERROR | list membership (bits 4-5). */
export const S_STATE = 52;
export const S_ATTEMPTS = 56;
export const S_MAX_RETRIES = 60;
/** idLen (low 16 bits) | errLen (high 16 bits). */
export const S_LENS = 64;
export const S_HASH = 68;
/** Next slot in the same hash chain, -1 at the end. Under the index seqlock. */
export const S_HASH_NEXT = 72;
/** Neighbours in the pending or retry list, -1 at the ends. Under the queue lock. */
export const S_LIST_PREV = 76;
export const S_LIST_NEXT = 80;
/** Reserved: thread holding the claim (lease recovery). */
export const S_LEASE_OWNER = 84;
export const S_VERSION = 88; // f64
export const S_CREATED_AT = 96; // f64
export const S_UPDATED_AT = 104; // f64
/** Reserved: lease expiry, ms since epoch (lease recovery). */
export const S_LEASE_UNTIL = 112; // f64
export const S_ID = 128;

// S_STATE bits
export const STATE_STATUS_MASK = 0b111;
export const STATE_TRUNCATED = 1 << 3;
export const STATE_HAS_ERROR = 1 << 6;
export const STATE_LIST_SHIFT = 4;
export const STATE_LIST_MASK = 0b11 << STATE_LIST_SHIFT;
export const LIST_NONE = 0;
export const LIST_PENDING = 1;
export const LIST_RETRY = 2;

export const LOCKING_GLOBAL = 0;
export const LOCKING_PER_JOB = 1;

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export interface Geometry {
  readonly capacity: number;
  readonly maxIdBytes: number;
  readonly maxErrorBytes: number;
  readonly locking: number;
  readonly slotBytes: number;
  readonly buckets: number;
  readonly bucketsOffset: number;
  readonly slotsOffset: number;
  readonly byteLength: number;
  /** Where the error bytes start inside a slot. */
  readonly errOffset: number;
}

export function geometry(capacity: number, maxIdBytes: number, maxErrorBytes: number, locking: number): Geometry {
  const slotBytes = align(S_ID + maxIdBytes + maxErrorBytes, CACHE_LINE);
  let buckets = 1;
  while (buckets < capacity) buckets *= 2;
  const bucketsOffset = align(FIXED_BYTES, CACHE_LINE);
  const slotsOffset = align(bucketsOffset + buckets * 4, CACHE_LINE);
  return {
    capacity,
    maxIdBytes,
    maxErrorBytes,
    locking,
    slotBytes,
    buckets,
    bucketsOffset,
    slotsOffset,
    byteLength: slotsOffset + capacity * slotBytes,
    errOffset: S_ID + maxIdBytes,
  };
}

/** Largest buffer we create: Int32Array indices and our i32 offsets stay below 2^31. */
export const MAX_BYTE_LENGTH = 2 ** 31 - 1;
