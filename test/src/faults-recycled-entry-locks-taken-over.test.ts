/**
 * A thread can die holding two locks (a job's and the queue lock, in the
 * middle of a list move). The first waiter to come to either rolls back its
 * change; the other lock stays owned by the dead thread until someone needs
 * it. Meanwhile the dead thread's registry entry is free to be reused by a
 * new instance: the lock it left must still be taken over then, although
 * the entry that said "dead" now belongs to a live thread.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, RegistryFullError } from '@atomic-jobs/store';
import { startAtFault } from './helpers/faults.js';

describe('locking per-job', () => {
  it('a lock left by a dead thread is taken over after its registry entry was reused', async () => {
    const store = JobStore.create({ capacity: 4 });
    store.create('a');
    store.create('b');
    const claimed = store.claim('a');
    // Dies inside the queue lock, holding a's lock too.
    const dying = await startAtFault(store, { point: 'list-move', how: 'hang', op: 'fail', id: 'a' });
    await dying.worker.terminate();
    store.markThreadDead(dying.threadId);
    // b's claim needs the queue lock: it takes it over and rolls the dead change back.
    expect(store.claim('b')).toMatchObject({ status: 'processing' });
    expect(store.recovery()).toMatchObject({ locksRecovered: 1, jobsRepaired: 1 });
    // Attach until the registry is full: the dead thread's entry is among those reused.
    const instances: JobStore[] = [];
    for (;;) {
      try {
        instances.push(JobStore.attach(store.handle));
      } catch (err) {
        if (!(err instanceof RegistryFullError)) throw err;
        break;
      }
    }
    expect(instances.length).toBe(255);
    // a's lock is still the dead thread's. The timeout only bounds a failure.
    const s = store.updateStatus('a', 'completed', null, { timeoutMs: 3000, attempt: claimed?.attempts });
    expect(s).toMatchObject({ status: 'completed', version: (claimed?.version ?? 0) + 1, lastError: null });
    expect(store.recovery()).toMatchObject({ locksRecovered: 2, jobsRepaired: 1 });
  });
});
