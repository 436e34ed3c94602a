/**
 * UTF-8 at the edges: ids and errors made of 1-, 2-, 3- and 4-byte
 * characters at exactly the byte limit and one byte over; lastError cut at a
 * character boundary; undefined / null / string semantics; lone surrogates.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobStore } from '@atomic-jobs/store';
import type { JobSnapshot, Locking } from '@atomic-jobs/store';

const MODES: readonly Locking[] = ['global', 'per-job'];
const encoder = new TextEncoder();
const bytes = (s: string): number => encoder.encode(s).length;

/** One character of each UTF-8 width. */
const CHARS = { 1: 'a', 2: 'é', 3: '€', 4: '😀' } as const;

/** A string of exactly `n` UTF-8 bytes: `width`-byte characters, padded with ASCII in front. */
function ofBytes(n: number, width: 1 | 2 | 3 | 4): string {
  const c = CHARS[width];
  const s = 'a'.repeat(n % width) + c.repeat(Math.floor(n / width));
  expect(bytes(s)).toBe(n);
  return s;
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** What a correct cut keeps: the longest prefix of whole characters that fits. */
function expectedCut(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (bytes(out + ch) > max) break;
    out += ch;
  }
  return out;
}

describe.each(MODES)('UTF-8 (locking %s)', (locking) => {
  it.each([1, 2, 3, 4] as const)('ids of %i-byte characters: exactly maxIdBytes works, one byte more is refused', (width) => {
    const maxIdBytes = 12;
    const store = JobStore.create({ capacity: 4, maxIdBytes, locking });
    const id = ofBytes(maxIdBytes, width);
    const created = store.create(id);
    expect(created.id).toBe(id);
    expect(store.get(id)).toEqual(created);
    expect(store.claim(id)?.id).toBe(id);
    expect(store.list()[0]?.id).toBe(id); // decoded back from shared memory
    const over = 'a' + id;
    expect(bytes(over)).toBe(maxIdBytes + 1);
    for (const call of [() => store.create(over), () => store.get(over), () => store.claim(over), () => store.remove(over), () => store.updateStatus(over, 'failed')]) {
      const err = catchErr(call);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'id' });
    }
    // A 4-byte character needs the room for all its bytes.
    if (width === 4) {
      const straddling = 'a'.repeat(maxIdBytes - 3) + CHARS[4];
      expect(bytes(straddling)).toBe(maxIdBytes + 1);
      expect(catchErr(() => store.create(straddling))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    expect(store.counts().total).toBe(1);
  });

  it('ids that differ only in their multi-byte characters are different jobs', () => {
    const store = JobStore.create({ capacity: 8, locking });
    const ids = ['é', 'è', 'e\u0301', '€', '😀', '😁', '\u00e9\u00e9'];
    for (const id of ids) store.create(id);
    for (const id of ids) expect(store.get(id)?.id).toBe(id);
    expect(new Set(store.list().map((s) => s.id))).toEqual(new Set(ids));
  });

  it.each([1, 2, 3, 4] as const)('lastError of %i-byte characters: exactly maxErrorBytes is kept whole, one byte more is cut at a character', (width) => {
    const maxErrorBytes = 16;
    const store = JobStore.create({ capacity: 4, maxErrorBytes, locking });
    store.create('j', { maxRetries: 10 });
    const exact = ofBytes(maxErrorBytes, width);
    const s1 = store.updateStatus('j', 'processing', exact);
    expect(s1).toMatchObject({ lastError: exact, lastErrorTruncated: false });
    expect(store.get('j')).toEqual(s1);
    const over = 'a' + exact;
    const s2 = store.updateStatus('j', 'pending', over);
    const kept = expectedCut(over, maxErrorBytes);
    expect(s2).toMatchObject({ lastError: kept, lastErrorTruncated: true });
    expect(store.get('j')).toEqual(s2);
    // ASCII drops one byte; a w-byte character straddling the limit drops whole.
    expect(bytes(kept)).toBe(width === 1 ? maxErrorBytes : maxErrorBytes + 1 - width);
  });

  it('a 4-byte character straddling maxErrorBytes is dropped whole; the result is valid UTF-8 and a prefix of the input', () => {
    for (let maxErrorBytes = 1; maxErrorBytes <= 9; maxErrorBytes++) {
      const store = JobStore.create({ capacity: 2, maxErrorBytes, locking });
      store.create('j');
      for (let pad = 0; pad < 4; pad++) {
        const input = 'x'.repeat(pad) + '😀😀🎉';
        const s = store.updateStatus('j', store.get('j')?.status === 'processing' ? 'pending' : 'processing', input);
        const label = `max ${maxErrorBytes}, pad ${pad}`;
        expect(s.lastErrorTruncated, label).toBe(bytes(input) > maxErrorBytes);
        const got = s.lastError ?? '';
        expect(got.isWellFormed(), label).toBe(true);
        expect(bytes(got), label).toBeLessThanOrEqual(maxErrorBytes);
        expect(input.startsWith(got), label).toBe(true);
        expect(got, label).toBe(expectedCut(input, maxErrorBytes));
        expect(store.get('j'), label).toEqual(s);
      }
    }
  });

  it('undefined keeps lastError, null clears it and the truncated flag, a string sets it', () => {
    const store = JobStore.create({ capacity: 2, maxErrorBytes: 8, locking });
    store.create('j', { maxRetries: 10 });
    const set = store.updateStatus('j', 'processing', 'ünïcødé too long');
    expect(set.lastErrorTruncated).toBe(true);
    const kept = store.updateStatus('j', 'pending');
    expect(kept).toMatchObject({ lastError: set.lastError, lastErrorTruncated: true, version: set.version + 1 });
    const kept2 = store.updateStatus('j', 'processing', undefined);
    expect(kept2).toMatchObject({ lastError: set.lastError, lastErrorTruncated: true });
    const cleared = store.updateStatus('j', 'failed', null);
    expect(cleared).toMatchObject({ lastError: null, lastErrorTruncated: false });
    expect(store.get('j')).toEqual(cleared);
    const still = store.updateStatus('j', 'pending');
    expect(still).toMatchObject({ lastError: null, lastErrorTruncated: false });
    const empty = store.updateStatus('j', 'processing', '');
    expect(empty).toMatchObject({ lastError: '', lastErrorTruncated: false });
    expect(store.get('j')).toEqual(empty);
    const fits = store.updateStatus('j', 'pending', 'ok 😀');
    expect(fits).toMatchObject({ lastError: 'ok 😀', lastErrorTruncated: false });
    expect(store.get('j')).toEqual(fits);
  });

  it('a lone surrogate in lastError is stored as U+FFFD, in the returned snapshot as in get()', () => {
    const store = JobStore.create({ capacity: 2, locking });
    store.create('j');
    for (const [input, stored] of [
      ['bad \uD800 high', 'bad \uFFFD high'],
      ['bad \uDC00 low', 'bad \uFFFD low'],
      ['\uDBFF', '\uFFFD'],
      ['ok 😀 then \uD83D', 'ok 😀 then \uFFFD'],
    ] as const) {
      const status = store.get('j')?.status === 'processing' ? 'pending' : 'processing';
      const returned = store.updateStatus('j', status, input);
      const read = store.get('j') as JobSnapshot;
      expect(read.lastError).toBe(stored);
      expect(read.lastError?.isWellFormed()).toBe(true);
      // The returned snapshot is the job as it stands: the same stored string.
      expect(returned.lastError, JSON.stringify(input)).toBe(stored);
      expect(returned).toEqual(read);
    }
  });

  it('a lone surrogate in an id is refused with ERR_INVALID_ARGUMENT', () => {
    const store = JobStore.create({ capacity: 2, locking });
    for (const id of ['\uD800', 'a\uDC00', 'x\uD83Dy', '😀\uD83D']) {
      for (const call of [() => store.create(id), () => store.get(id), () => store.claim(id), () => store.remove(id), () => store.updateStatus(id, 'processing')]) {
        const err = catchErr(call);
        expect(err, JSON.stringify(id)).toBeInstanceOf(InvalidArgumentError);
        expect(err).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument: 'id' });
      }
    }
    expect(store.counts().total).toBe(0);
  });
});
