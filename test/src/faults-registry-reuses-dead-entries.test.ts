/**
 * A store's thread registry has 256 entries, one per attached JobStore
 * instance. Entries of a thread marked dead are reused, whether or not
 * anyone ever came to one of its locks (most threads die holding none, and
 * their locks are what triggers the usual recovery). Without that, 256
 * worker crashes would leave a long-running store refusing every attach.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JobStore, RegistryFullError } from '@atomic-jobs/store';
import { fixtureUrl } from './helpers/threads.js';

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('the entries of a dead thread that held no lock are attached again', async () => {
    const store = JobStore.create({ capacity: 4, locking });
    const filler = new Worker(fixtureUrl('registry-filler'), { workerData: { handle: store.handle } });
    const taken = await new Promise<number>((resolve, reject) => filler.once('message', resolve).once('error', reject));
    // Every entry but the main thread's instance is the worker's.
    expect(taken).toBe(255);
    let full: unknown;
    try {
      JobStore.attach(store.handle);
    } catch (err) {
      full = err;
    }
    expect(full).toBeInstanceOf(RegistryFullError);
    expect(full).toMatchObject({ name: 'RegistryFullError', code: 'ERR_REGISTRY_FULL', entries: 256 });
    const threadId = filler.threadId;
    await filler.terminate();
    expect(store.markThreadDead(threadId)).toBe(taken);
    // Every one of its entries serves a new instance, which works.
    const again = Array.from({ length: taken }, () => JobStore.attach(store.handle));
    again[0]?.create('a');
    expect(again[taken - 1]?.claim('a')).toMatchObject({ status: 'processing', attempts: 1 });
    expect(() => JobStore.attach(store.handle)).toThrow(RegistryFullError);
    expect(store.recovery()).toMatchObject({ locksRecovered: 0, jobsRepaired: 0 });
  });
});
