/**
 * Random bad input (fast-check): ids of every length and encoding, statuses
 * outside the enum, non-string errors, wrong option types, a corrupted
 * handle. Each gets its typed error, and the store's buffer is byte for byte
 * what it was, apart from lock statistics. Valid edge cases (NUL, emoji at the
 * byte limit, huge errors) are accepted and round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobStore, JobStoreError, StoreFormatError, type Locking, type StoreHandle } from '@atomic-jobs/store';
import { firstDifference, storeImage } from './helpers/store-image.js';

const MAX_ID = 16;
const MAX_ERR = 24;
function utf8(s: string): number {
  return new TextEncoder().encode(s).length;
}

function seeded(locking: Locking): JobStore {
  const store = JobStore.create({ capacity: 8, maxIdBytes: MAX_ID, maxErrorBytes: MAX_ERR, locking });
  store.create('a');
  store.create('b');
  store.claim('b');
  store.updateStatus('b', 'failed', 'first');
  return store;
}

const badId = fc.oneof(
  fc.anything().filter((v) => typeof v !== 'string'),
  fc.constant(''),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => utf8(s) > MAX_ID || !s.isWellFormed()),
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\uD800', '\uDC00', '\uDBFF'), fc.string({ maxLength: 4 })).map(([a, b, c]) => a + b + c),
  fc.constant('😀'.repeat(MAX_ID / 4) + 'x'),
);
const badStatus = fc.anything().filter((v) => !['pending', 'processing', 'completed', 'failed'].includes(v as string));
const badError = fc.anything().filter((v) => v !== undefined && v !== null && typeof v !== 'string');

type Call = (store: JobStore) => unknown;

describe.each<Locking>(['per-job', 'global'])('random bad input (%s locking)', (locking) => {
  const refused = (call: Call): void => {
    const store = seeded(locking);
    const before = storeImage(store);
    let err: unknown;
    try {
      call(store);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as JobStoreError).code).toBe('ERR_INVALID_ARGUMENT');
    expect(firstDifference(storeImage(store), before)).toBe(-1);
  };

  it('bad ids are refused by every operation, changing nothing', () => {
    const ops: ((id: unknown) => Call)[] = [
      (id) => (s) => s.create(id as string),
      (id) => (s) => s.get(id as string),
      (id) => (s) => s.claim(id as string),
      (id) => (s) => s.updateStatus(id as string, 'processing'),
      (id) => (s) => s.remove(id as string),
    ];
    fc.assert(fc.property(badId, fc.nat(ops.length - 1), (id, k) => refused((ops[k] as (id: unknown) => Call)(id))), { numRuns: 150 });
  });

  it('statuses outside the enum and non-string errors are refused, changing nothing', () => {
    fc.assert(fc.property(badStatus, (status) => refused((s) => s.updateStatus('a', status as 'pending'))), { numRuns: 100 });
    fc.assert(fc.property(badError, (e) => refused((s) => s.updateStatus('a', 'processing', e as string))), { numRuns: 100 });
  });

  it('wrong option types are refused (or accepted when valid), never anything else', () => {
    const opts = fc.oneof(fc.anything(), fc.record({ maxRetries: fc.anything() }), fc.record({ timeoutMs: fc.anything(), attempt: fc.anything(), signal: fc.anything() }, { requiredKeys: [] }));
    fc.assert(
      fc.property(opts, fc.boolean(), (o, onCreate) => {
        const store = seeded(locking);
        const before = storeImage(store);
        try {
          if (onCreate) store.create('c', o as { maxRetries?: number });
          else store.updateStatus('a', 'processing', undefined, o as { timeoutMs?: number });
        } catch (e) {
          // A bad type is ERR_INVALID_ARGUMENT; a well-typed but refused call
          // (a stale `attempt`, say) is another JobStoreError. Never anything
          // else, and never a change.
          expect(e).toBeInstanceOf(JobStoreError);
          if (!(e instanceof InvalidArgumentError)) expect((e as JobStoreError).code).toBe('ERR_STALE_CLAIM');
          expect(firstDifference(storeImage(store), before)).toBe(-1);
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 30_000 },
    );
  });

  it('valid edge ids (NUL, emoji at the byte limit) and huge errors are accepted and read back', () => {
    const edgeId = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }).filter((s) => utf8(s) <= MAX_ID),
      fc.constant('\0'),
      fc.constant('😀'.repeat(MAX_ID / 4)),
      fc.constant('a\0b'),
    );
    fc.assert(
      fc.property(edgeId, fc.string({ unit: 'binary', maxLength: 5000 }), (id, err) => {
        const store = JobStore.create({ capacity: 2, maxIdBytes: MAX_ID, maxErrorBytes: MAX_ERR, locking });
        store.create(id);
        store.claim(id);
        const s = store.updateStatus(id, 'failed', err);
        expect(store.get(id)).toEqual(s);
        expect(s.id).toBe(id);
        const stored = s.lastError ?? '';
        expect(stored.isWellFormed()).toBe(true);
        expect(utf8(stored)).toBeLessThanOrEqual(MAX_ERR);
        expect(s.lastErrorTruncated).toBe(utf8(err.toWellFormed()) > MAX_ERR);
        expect(err.toWellFormed().startsWith(stored)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a corrupted handle is refused with ERR_STORE_FORMAT', () => {
    const store = seeded(locking);
    const checked = [...Array(40).keys(), 88, 89, 90, 91, 92, 93, 94, 95]; // header geometry, lease, checksum
    fc.assert(
      fc.property(fc.constantFrom(...checked), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const src = new Uint8Array(store.handle.buffer);
        const copy = new SharedArrayBuffer(src.length);
        new Uint8Array(copy).set(src);
        const bytes = new Uint8Array(copy);
        bytes[at] = (bytes[at] ?? 0) ^ flip;
        expect(() => JobStore.attach({ ...store.handle, buffer: copy })).toThrow(StoreFormatError);
      }),
      { numRuns: 200 },
    );
    for (const h of [null, 42, {}, { buffer: new ArrayBuffer(4096) }, { buffer: new SharedArrayBuffer(16) }]) {
      expect(() => JobStore.attach(h as unknown as StoreHandle)).toThrow(StoreFormatError);
    }
  });
});
