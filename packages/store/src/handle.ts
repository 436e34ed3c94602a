/** Making a store's buffer, and checking a handle before attaching to it. */
import { InvalidArgumentError, StoreFormatError } from './errors.js';
import {
  H_BUCKETS, H_BYTE_LENGTH, H_CAPACITY, H_FREE_HEAD, H_LOCKING, H_MAGIC, H_MAX_ERROR_BYTES, H_MAX_ID_BYTES,
  H_HEADER_CHECK, H_LEASE_MS, H_PENDING_HEAD, H_PENDING_TAIL, H_RETRY_HEAD, H_RETRY_TAIL, H_SLOT_BYTES, H_VERSION, HEADER_BYTES,
  LAYOUT_VERSION, LOCKING_GLOBAL, LOCKING_PER_JOB, MAGIC, MAX_BYTE_LENGTH, geometry, type Geometry,
} from './layout.js';
import { memOf, type Mem } from './memory.js';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_ID_BYTES, MAX_FIELD_BYTES, checkInt, checkObject, type StoreOptions } from './options.js';
import type { StoreHandle } from './types.js';

/** Words covered by H_HEADER_CHECK: everything attach() trusts to interpret the buffer. */
const CHECKED_WORDS = [H_VERSION, H_CAPACITY, H_MAX_ID_BYTES, H_MAX_ERROR_BYTES, H_LOCKING, H_SLOT_BYTES, H_BUCKETS, H_BYTE_LENGTH, H_BYTE_LENGTH + 4, H_LEASE_MS];

function headerCheck(i32: Int32Array): number {
  let h = 0x811c9dc5;
  for (const off of CHECKED_WORDS) {
    h ^= i32[off >> 2] ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function createMem(options: StoreOptions): Mem {
  const o = checkObject('options', options);
  if (o === undefined) throw new InvalidArgumentError('options', 'an object with a capacity', options);
  const maxIdBytes = o['maxIdBytes'] === undefined ? DEFAULT_MAX_ID_BYTES : checkInt('options.maxIdBytes', o['maxIdBytes'], 1, MAX_FIELD_BYTES);
  const maxErrorBytes = o['maxErrorBytes'] === undefined ? DEFAULT_MAX_ERROR_BYTES : checkInt('options.maxErrorBytes', o['maxErrorBytes'], 1, MAX_FIELD_BYTES);
  const locking = o['locking'] ?? 'per-job';
  if (locking !== 'global' && locking !== 'per-job') {
    throw new InvalidArgumentError('options.locking', "'global' or 'per-job'", locking);
  }
  const leaseMs = o['leaseMs'] === undefined ? DEFAULT_LEASE_MS : checkInt('options.leaseMs', o['leaseMs'], 1, 0x7fffffff);
  const perSlot = geometry(1, maxIdBytes, maxErrorBytes, 0).slotBytes + 8;
  const maxCapacity = Math.floor((MAX_BYTE_LENGTH - geometry(0, maxIdBytes, maxErrorBytes, 0).byteLength) / perSlot);
  const capacity = checkInt('options.capacity', o['capacity'], 1, maxCapacity);
  const g = geometry(capacity, maxIdBytes, maxErrorBytes, locking === 'global' ? LOCKING_GLOBAL : LOCKING_PER_JOB);
  const m = memOf(new SharedArrayBuffer(g.byteLength), g);
  const { i32, f64 } = m;
  i32[H_VERSION >> 2] = LAYOUT_VERSION;
  i32[H_CAPACITY >> 2] = capacity;
  i32[H_MAX_ID_BYTES >> 2] = maxIdBytes;
  i32[H_MAX_ERROR_BYTES >> 2] = maxErrorBytes;
  i32[H_LOCKING >> 2] = g.locking;
  i32[H_SLOT_BYTES >> 2] = g.slotBytes;
  i32[H_BUCKETS >> 2] = g.buckets;
  f64[H_BYTE_LENGTH >> 3] = g.byteLength;
  i32[H_LEASE_MS >> 2] = leaseMs;
  for (const w of [H_FREE_HEAD, H_PENDING_HEAD, H_PENDING_TAIL, H_RETRY_HEAD, H_RETRY_TAIL]) i32[w >> 2] = -1;
  i32.fill(-1, g.bucketsOffset >> 2, (g.bucketsOffset >> 2) + g.buckets);
  i32[H_HEADER_CHECK >> 2] = headerCheck(i32);
  // The magic goes last: a buffer carrying it is completely initialised.
  // (postMessage of the buffer to another thread happens after this and
  // synchronises with it.)
  Atomics.store(i32, H_MAGIC >> 2, MAGIC);
  return m;
}

export function attachMem(handle: StoreHandle): Mem {
  if (handle === null || typeof handle !== 'object') throw new StoreFormatError('the handle is not an object');
  const buffer: unknown = (handle as { buffer?: unknown }).buffer;
  if (!(buffer instanceof SharedArrayBuffer)) throw new StoreFormatError('handle.buffer is not a SharedArrayBuffer');
  if (buffer.byteLength < HEADER_BYTES) throw new StoreFormatError(`the buffer is only ${buffer.byteLength} bytes`);
  const i32 = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
  const f64 = new Float64Array(buffer, 0, HEADER_BYTES >> 3);
  if (Atomics.load(i32, H_MAGIC >> 2) !== MAGIC) throw new StoreFormatError('bad magic number');
  const version = i32[H_VERSION >> 2];
  if (version !== LAYOUT_VERSION) throw new StoreFormatError(`layout version ${version}, expected ${LAYOUT_VERSION}`);
  if (i32[H_HEADER_CHECK >> 2] !== headerCheck(i32)) throw new StoreFormatError('the header checksum does not match (corrupted header)');
  const capacity = i32[H_CAPACITY >> 2] ?? 0;
  const maxId = i32[H_MAX_ID_BYTES >> 2] ?? 0;
  const maxErr = i32[H_MAX_ERROR_BYTES >> 2] ?? 0;
  const locking = i32[H_LOCKING >> 2] ?? -1;
  const ok = (n: number, max: number): boolean => Number.isInteger(n) && n >= 1 && n <= max;
  if (!ok(capacity, 2 ** 30) || !ok(maxId, MAX_FIELD_BYTES) || !ok(maxErr, MAX_FIELD_BYTES) || (locking !== LOCKING_GLOBAL && locking !== LOCKING_PER_JOB)) {
    throw new StoreFormatError('corrupt geometry in the header');
  }
  const g: Geometry = geometry(capacity, maxId, maxErr, locking);
  if (g.slotBytes !== i32[H_SLOT_BYTES >> 2] || g.buckets !== i32[H_BUCKETS >> 2] || g.byteLength !== f64[H_BYTE_LENGTH >> 3] || g.byteLength !== buffer.byteLength) {
    throw new StoreFormatError('the header geometry does not match the buffer');
  }
  return memOf(buffer, g);
}
