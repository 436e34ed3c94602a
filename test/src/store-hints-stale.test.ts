/**
 * Each JobStore instance remembers where it last found an id (hints.ts) and
 * skips the index lookup when it meets that id again. Here another thread
 * removes the job and reuses its slot for another one between two calls of
 * the main thread: the stale hint must never lead a call to the job that now
 * sits in the slot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore, type Locking } from '@atomic-jobs/store';
import { Scripted } from './helpers/threads.js';
import type { StoreRequest, StoreScriptedData } from '../fixtures/store-scripted.js';

const started: Scripted<StoreRequest>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.terminate()));
});

function other(store: JobStore): Scripted<StoreRequest> {
  const s = new Scripted<StoreRequest>('store-scripted', { handle: store.handle } satisfies StoreScriptedData);
  started.push(s);
  return s;
}

describe.each<Locking>(['per-job', 'global'])('stale hints (locking %s)', (locking) => {
  // One call per case: a call that meets a stale hint forgets it.
  const calls: [string, (s: JobStore) => unknown][] = [
    ['updateStatus', (s) => catchCode(() => s.updateStatus('a', 'pending'))],
    ['claim', (s) => catchCode(() => s.claim('a'))],
    ['get', (s) => s.get('a')],
  ];
  it.each(calls)('a slot reused by another job is not mistaken for the remembered one (%s)', async (name, call) => {
    // Capacity 1: the only slot is reused, so the hint for "a" points at "b".
    const store = JobStore.create({ capacity: 1, locking });
    store.create('a');
    expect(store.updateStatus('a', 'processing').attempts).toBe(1);
    expect(store.updateStatus('a', 'completed').status).toBe('completed');
    const peer = other(store);
    await peer.ok({ op: 'remove', jobId: 'a' });
    await peer.ok({ op: 'create', jobId: 'b' });

    expect(call(store)).toBe(name === 'get' ? undefined : 'ERR_JOB_NOT_FOUND');
    // "b" was not touched through the stale hint.
    expect(store.get('b')).toMatchObject({ id: 'b', status: 'pending', attempts: 0, version: 1 });
    expect(store.counts()).toEqual({ pending: 1, processing: 0, completed: 0, failed: 0, total: 1 });
  });

  it('the same id re-created in the same slot is the new job, whichever call remembered the slot', async () => {
    const store = JobStore.create({ capacity: 1, locking });
    store.create('a');
    expect(store.updateStatus('a', 'processing').attempts).toBe(1);
    store.updateStatus('a', 'completed');
    expect(store.get('a')).toMatchObject({ status: 'completed', version: 3 }); // get remembers the slot too
    const peer = other(store);
    await peer.ok({ op: 'remove', jobId: 'a' });
    await peer.ok({ op: 'create', jobId: 'a' }); // capacity 1: the same slot, a new job

    expect(store.get('a')).toMatchObject({ status: 'pending', attempts: 0, version: 1 });
    expect(store.updateStatus('a', 'processing')).toMatchObject({ status: 'processing', attempts: 1, version: 2 });
    expect(store.counts()).toEqual({ pending: 0, processing: 1, completed: 0, failed: 0, total: 1 });
  });

  it('a job re-created in another slot is found there, and the old slot is left alone', async () => {
    const store = JobStore.create({ capacity: 2, locking });
    store.create('a');
    store.claim('a'); // remembered: "a" is in the first slot
    store.updateStatus('a', 'completed');
    const peer = other(store);
    await peer.ok({ op: 'remove', jobId: 'a' });
    await peer.ok({ op: 'create', jobId: 'x' }); // takes the freed slot
    await peer.ok({ op: 'create', jobId: 'a' }); // the other slot

    expect(store.claim('a')).toMatchObject({ id: 'a', status: 'processing', attempts: 1, version: 2 });
    expect(store.get('a')).toMatchObject({ id: 'a', status: 'processing' });
    expect(store.get('x')).toMatchObject({ id: 'x', status: 'pending', version: 1 });
    // From the peer's side too (its own hints, its own lookups).
    const seen = (await peer.ok({ op: 'updateStatus', jobId: 'a', status: 'completed' })) as { id: string; version: number };
    expect(seen).toMatchObject({ id: 'a', version: 3 });
  });
});

/** The code of the error `fn` throws (it must throw). */
function catchCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  throw new Error('expected a throw');
}
