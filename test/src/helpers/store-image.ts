/** A store's whole buffer, compared byte for byte: what a refused call must leave exactly as it was. */
import type { JobStore } from '@atomic-jobs/store';
import { lockStatisticsRanges } from '@atomic-jobs/store/testing';

/**
 * A copy of the store's buffer with every lock-statistics byte zeroed: a
 * refused call may count the lock acquisition it made, and nothing else.
 * The ranges come from the store itself (`lockStatisticsRanges`); the tests'
 * controls check that a real change to a job is still seen through them.
 */
export function storeImage(store: JobStore): Uint8Array {
  const copy = new Uint8Array(store.handle.buffer.slice(0));
  for (const [start, end] of lockStatisticsRanges(store.handle)) copy.fill(0, start, end);
  return copy;
}

/** First byte where two images differ, -1 when none (deep equality is far too slow on large arrays). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
