/**
 * Robust locks need to be told when a thread dies: the store cannot see a
 * worker exit, only the thread that started it can. This wires a piscina
 * pool's worker deaths to JobStore.markThreadDead.
 */
import type { Piscina } from 'piscina';
import { InvalidArgumentError, type JobStore } from '@atomic-jobs/store';

/**
 * From now on, tell `store` whenever a worker of `pool` dies (crash,
 * `process.exit`, `terminate`, or retired by piscina), so that a lock it held
 * is taken over by the next thread waiting for it, after what the dead thread
 * was changing is rolled back. RacePool does this for its own pool; call it
 * once, right after creating the pool, for a piscina pool of your own whose
 * workers attach to `store`. Throws InvalidArgumentError for anything else.
 */
export function markDeadWorkers(pool: Piscina, store: JobStore): void {
  // Checked by shape, not instanceof: the pool may come from another copy of piscina.
  const p = pool as Partial<Record<'on' | 'threads', unknown>> | null;
  if (typeof p?.on !== 'function' || !Array.isArray(p.threads)) throw new InvalidArgumentError('pool', 'a Piscina pool', pool);
  if (typeof (store as Partial<JobStore> | null)?.markThreadDead !== 'function') throw new InvalidArgumentError('store', 'a JobStore', store);
  // piscina's 'workerDestroy' comes after the thread exited, when its
  // threadId already reads -1, so we keep the ids seen at 'workerCreate'
  // (emitted in a microtask for the first workers, so a listener added right
  // after the constructor sees them) and mark the ones no longer running.
  const known = new Set<number>();
  pool.on('workerCreate', (w: { id: number }) => known.add(w.id));
  pool.on('workerDestroy', () => {
    const running = new Set(pool.threads.map((t) => t.threadId));
    for (const id of known) {
      if (running.has(id)) continue;
      known.delete(id);
      store.markThreadDead(id);
    }
  });
}
