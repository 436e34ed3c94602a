/**
 * The store's memory layout: every offset named once, here. Byte offsets;
 * `>> 2` / `>> 3` turn them into Int32Array / Float64Array indices.
 *
 *   0      header: magic, version, geometry, structure words      (128 B)
 *   128    GLOBAL lock    (128 bytes to itself)                    Mutex
 *   256    STRUCTURE lock (index + slot allocation, per-job mode)  Mutex
 *   384    QUEUE lock     (pending / retry lists, per-job mode), then the pending list's ends
 *   512    thread registry: 256 entries (liveness, counters, undo journal)
 *   ...    hash index: `buckets` x i32 heads of chains through the slots
 *   ...    slots: `capacity` x `slotBytes`, from a page boundary
 */
import { JOB_LOCK_BYTES } from './lock-word.js';

export const MAGIC = 0x534a4a41; // "AJJS" little-endian
export const LAYOUT_VERSION = 6;
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
export const H_RETRY_HEAD = 64;
export const H_RETRY_TAIL = 68;
export const H_RETRY_LEN = 72;

export const HEADER_BYTES = 128;

// ---- locks ----
// 128 bytes apart, and the registry 128 bytes after the last: words written
// by different threads must be at least a cache line apart whatever the
// buffer's own alignment, which is the allocator's (glibc hands large
// SharedArrayBuffers out at 16 bytes past a page boundary, measured with two
// threads writing words a few bytes apart), and adjacent-line prefetching
// pulls lines in 128-byte pairs.
export const GLOBAL_LOCK = 128;
export const STRUCT_LOCK = 256;
export const QUEUE_LOCK = 384;
/**
 * The pending list's ends sit right after the queue lock (its LOCK_BYTES):
 * every list move takes that lock and then touches them, so between threads
 * one line moves instead of two (when the buffer is 64-byte aligned; else
 * at worst two, never shared with another thread's hot words).
 */
export const H_PENDING_HEAD = QUEUE_LOCK + 56;
export const H_PENDING_TAIL = QUEUE_LOCK + 60;

// ---- recovery figures and lease (header) ----
/** Locks taken over from a dead owner. */
export const H_LOCKS_RECOVERED = 76;
/** Interrupted changes rolled back (the job put back entirely as before). */
export const H_JOBS_REPAIRED = 80;
/** Processing jobs whose lease expired, returned to pending. */
export const H_STALLED_RECLAIMED = 84;
/** Lease of a claim, in ms. */
export const H_LEASE_MS = 88;
/** FNV-1a over the immutable header (geometry and lease), so a corrupted handle is refused, not misread. */
export const H_HEADER_CHECK = 92;
/** Threads marked dead so far: a sleeper that sees it change asks whether its lock's owner is one of them. */
export const H_DEATHS = 96;

// ---- thread registry: REG_ENTRIES entries of `regEntryBytes`, from REGISTRY ----
// One entry per attached JobStore instance (one per thread in practice): who
// it is, whether it is alive, its status counters, and the undo journal of
// the critical section it is in, so that if it dies there, the next owner of
// the lock can put everything back (see journal.ts).
export const REGISTRY = 512;
export const REG_ENTRIES = 256;
/** Owner id (threadId + 1) of the registered thread; 0 = never used. */
export const R_OWNER = 0;
/**
 * REG_FREE / REG_ALIVE / REG_DEAD / REG_RECOVERING / REG_RECOVERED /
 * REG_DETACHED / REG_CLAIMING, in the low REG_STATE_BITS; while
 * REG_RECOVERING or REG_CLAIMING, the owner id of the thread rolling the
 * entry back or taking it sits above them (so that thread, if it dies at
 * it, can be seen and replaced).
 */
export const R_STATE = 4;
/** Undo pairs logged in the current critical section (0 when none is open). */
export const R_LOG_LEN = 8;
/** The i32 index of the lock word this thread sleeps on (0: not asleep), plus SLEEP_COUNTED while counted in its SLEEPERS word, so markDead can wake it (and uncount it). */
export const R_SLEEPING_ON = 12;
/** Status counters of this thread, one i32 per status code 1..4 (at R_COUNTS + code * 4). */
export const R_COUNTS = 32;
/** Undo pairs: (i32 index, old value); index ~slot (= -(slot + 1)) means "restore the slot image", its value then the slot's sequence when saved (R_IMAGE_FLAGS says whether with error bytes). */
export const R_PAIRS = 64;
export const R_MAX_PAIRS = 32;
/**
 * Statistics of this thread's acquisitions of job locks (5 f64, the layout
 * of a lock's LOCK_STAT_* words): a job's slot holds only the lock's first
 * words, and stats() sums these over the registry.
 */
export const R_JOB_LOCK_STATS = R_PAIRS + R_MAX_PAIRS * 8;
/** Saved slot fields: bytes S_STATE .. S_ID of the slot (68 bytes, 72 reserved). */
export const R_IMAGE = R_JOB_LOCK_STATS + 40;
/** Flags of the saved image: with error bytes, part of a remove; and recovery's decision (undo it, or keep it), once taken. */
export const R_IMAGE_FLAGS = R_IMAGE + 68;
/** This thread's status counters (R_COUNTS + 4 .. + 20) as they were when the image was saved. */
export const R_IMAGE_COUNTS = R_IMAGE + 72;
export const R_IMAGE_ERR = R_IMAGE + 88;

export const REG_FREE = 0;
export const REG_ALIVE = 1;
export const REG_DEAD = 2;
export const REG_RECOVERING = 3;
export const REG_RECOVERED = 4;
/**
 * Given back by detach() while its thread lives on (it may hold other
 * entries, and locks through them): reusable like a recovered entry, but
 * never evidence that the thread died.
 */
export const REG_DETACHED = 5;
/** A recycled entry being taken by register (the taker's owner id above the state bits) until it is ALIVE. */
export const REG_CLAIMING = 6;
/** Bits of R_STATE that hold the state (above them: the owner id of a recoverer or a taker, see R_STATE). */
export const REG_STATE_BITS = 3;
export const REG_STATE_MASK = (1 << REG_STATE_BITS) - 1;

// ---- slot fields, relative to the slot's start ----
// The lock, the fields and the first bytes of the id are packed into the
// slot's first 128 bytes: in a large store every line of a slot that a call
// touches is a cache miss, and with a short id a lookup, a lock and a
// change touch two lines (three with the list links).
/** The job's own lock (per-job mode): its first words only; acquisitions are counted per thread (R_JOB_LOCK_STATS). */
export const S_LOCK = 0;
/** Seqlock of the slot's job fields: odd while they are being written. */
export const S_SEQ = JOB_LOCK_BYTES; // 16
/** status code (bits 0-2) | TRUNCATED | HAS_ERROR | list membership (bits 4-5). */
export const S_STATE = 20;
export const S_ATTEMPTS = 24;
export const S_MAX_RETRIES = 28;
/** idLen (low 16 bits) | errLen (high 16 bits). */
export const S_LENS = 32;
export const S_HASH = 36;
/** Next slot in the same hash chain, -1 at the end. Under the index seqlock. */
export const S_HASH_NEXT = 40;
/** Owner id of the thread that claimed the job (informative). */
export const S_LEASE_OWNER = 44;
export const S_VERSION = 48; // f64
export const S_CREATED_AT = 56; // f64
export const S_UPDATED_AT = 64; // f64
/** Lease expiry of the current claim, ms since epoch; 0 when not processing. */
export const S_LEASE_UNTIL = 72; // f64
/**
 * Incarnation of the slot: + 1 inside the seqlock write of every create in
 * it and every remove from it, so (slot, generation) names one job for as
 * long as it lives there. A hint (hints.ts) is confirmed by comparing it,
 * one load instead of comparing the id's bytes. An f64, so it never wraps.
 */
export const S_GEN = 80; // f64
/** The id's bytes (maxIdBytes), then the list links (at Geometry.linksOffset), then the error's bytes. */
export const S_ID = 88;
/**
 * Neighbours in the pending or retry list, -1 at the ends, under the queue
 * lock; relative to Geometry.linksOffset. They sit after the id, at least
 * 64 bytes from the job's lock and fields (so in another cache line however
 * the buffer is aligned): a list move writes its neighbours' links, and that
 * must not steal the lines their own threads are using.
 */
export const L_PREV = 0;
export const L_NEXT = 4;
const LINK_BYTES = 8;

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

const PAGE = 4096;

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export interface Geometry {
  readonly regEntryBytes: number;
  readonly capacity: number;
  readonly maxIdBytes: number;
  readonly maxErrorBytes: number;
  readonly locking: number;
  readonly slotBytes: number;
  readonly buckets: number;
  readonly bucketsOffset: number;
  readonly slotsOffset: number;
  readonly byteLength: number;
  /** Where the list links (L_PREV, L_NEXT) start inside a slot: after the id bytes. */
  readonly linksOffset: number;
  /** Where the error bytes start inside a slot. */
  readonly errOffset: number;
}

export function geometry(capacity: number, maxIdBytes: number, maxErrorBytes: number, locking: number): Geometry {
  // At least 64 bytes after the fields, whatever maxIdBytes is (see L_PREV).
  const linksOffset = align(Math.max(S_ID + maxIdBytes, S_ID + CACHE_LINE), LINK_BYTES);
  const errOffset = linksOffset + LINK_BYTES;
  const slotBytes = align(errOffset + maxErrorBytes, CACHE_LINE);
  const regEntryBytes = align(R_IMAGE_ERR + maxErrorBytes, CACHE_LINE);
  // At least two buckets per job: chains stay short (1.2 slots visited per
  // successful lookup at full capacity, against 1.5 with one per job), and
  // in a large store every slot visited is a cache miss.
  let buckets = 1;
  while (buckets < 2 * capacity) buckets *= 2;
  const bucketsOffset = align(REGISTRY + REG_ENTRIES * regEntryBytes, CACHE_LINE);
  // Slots start on a page, so where their first bytes fall relative to
  // pages and lines does not depend on the registry and index sizes.
  const slotsOffset = align(bucketsOffset + buckets * 4, PAGE);
  return {
    regEntryBytes,
    capacity,
    maxIdBytes,
    maxErrorBytes,
    locking,
    slotBytes,
    buckets,
    bucketsOffset,
    slotsOffset,
    byteLength: slotsOffset + capacity * slotBytes,
    linksOffset,
    errOffset,
  };
}

/** Largest buffer we create: Int32Array indices and our i32 offsets stay below 2^31. */
export const MAX_BYTE_LENGTH = 2 ** 31 - 1;
