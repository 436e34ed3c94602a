/**
 * The thread that rolls back a dead thread's change can die too, half-way.
 * Here the first thread dies inside a remove (before its commit point), the
 * second dies while putting that remove back, after the slot's image is back
 * and before its journal is emptied; a third thread then needs the job. It
 * must neither wait forever for the dead recoverer (the rollback is taken
 * over from it) nor read the half-done rollback as a committed remove (the
 * image put back moved the slot's sequence to a new even value): the job is
 * whole, pending, and counted once as repaired.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, type JobStatus } from '@atomic-jobs/store';
import { startAtFault, startWaiter, type WaiterResult } from './helpers/faults.js';

/** Run the faults-waiter fixture (one updateStatus) and wait for its answer, at most `boundMs` (only a failure takes that long). */
async function updateInWorker(store: JobStore, id: string, status: JobStatus, boundMs: number): Promise<WaiterResult> {
  const { worker: w, result } = startWaiter(store, id, status);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      result,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`updateStatus(${id}) did not return within ${boundMs} ms`)), boundMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await w.terminate();
  }
}

describe.each(['per-job', 'global'] as const)('locking %s', (locking) => {
  it('a recoverer killed half-way through putting back a remove is replaced, and the job is whole', async () => {
    const store = JobStore.create({ capacity: 8, locking });
    for (const id of ['a', 'b']) store.create(id);
    const before = store.get('a');
    const remover = await startAtFault(store, { point: 'list-move', how: 'hang', op: 'remove', id: 'a' });
    await remover.worker.terminate();
    store.markThreadDead(remover.threadId);
    // This one takes the remover's lock over, and dies in the rollback.
    const recoverer = await startAtFault(store, { point: 'rolling-back', how: 'hang', op: 'fail', id: 'a' });
    await recoverer.worker.terminate();
    store.markThreadDead(recoverer.threadId);
    const r = await updateInWorker(store, 'a', 'processing', 10_000);
    expect(r).toMatchObject({ ok: true, snapshot: { id: 'a', status: 'processing', version: (before?.version ?? 0) + 1 } });
    expect(store.recovery().jobsRepaired).toBe(1);
    // The rest of the store is whole: both jobs listed and counted, the queue and the index usable.
    expect(store.list().map((s) => `${s.id}:${s.status}`).sort()).toEqual(['a:processing', 'b:pending']);
    expect(store.counts()).toMatchObject({ total: 2, pending: 1, processing: 1 });
    expect(store.claimNext()).toMatchObject({ id: 'b', status: 'processing' });
    expect(store.claimNext()).toBeUndefined();
    expect(store.create('c')).toMatchObject({ id: 'c', status: 'pending' });
    expect(store.remove('c')).toBe(true);
    expect(store.get('c')).toBeUndefined();
  });
});
