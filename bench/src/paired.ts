/**
 * The single-thread ratios measured in alternating rounds (why: alternate.ts):
 * our lock against a bare compareExchange + store pair, and the store's
 * updateStatus against the comlink baseline's round trip.
 */
import { Mutex, type JobStatus } from '@atomic-jobs/store';
import type { ComlinkBaseline } from '@atomic-jobs/workers';
import type { BenchConfig } from './config.js';
import { alternate, batches, median, pairedResult } from './alternate.js';
import type { PairedResult } from './results.js';
import { filledStore, opBodies, opSide, warmStoreCode } from './store-ops.js';

export const PAIR_STORE_COMLINK = 'paired/updateStatus-vs-comlink';
export const PAIR_LOCK_CAS = 'paired/lock-vs-cas-pair';

/** A = store.updateStatus (1k store, processing <-> pending), B = the comlink baseline's updateStatus round trip. */
export async function pairStoreComlink(cfg: BenchConfig, baseline: () => Promise<ComlinkBaseline>): Promise<PairedResult> {
  warmStoreCode();
  const B = cfg.storeBatch;
  const STORE_BATCHES = 20;
  const COMLINK_CALLS = 40;
  const updates = opBodies(filledStore(1000, B), B, () => {
    throw new Error(`${PAIR_STORE_COMLINK}: a job of the 1k store was not found`);
  }).updateStatus;
  const { store: remote } = await baseline();
  const remoteId = 'paired-0';
  await remote.create(remoteId);
  let next: JobStatus = 'processing';
  const storeSide = (): number => opSide(updates, STORE_BATCHES);
  const comlinkSide = async (): Promise<number> => {
    const times: number[] = [];
    for (let c = 0; c < COMLINK_CALLS; c++) {
      const t0 = performance.now();
      await remote.updateStatus(remoteId, next);
      times.push((performance.now() - t0) * 1e6);
      next = next === 'pending' ? 'processing' : 'pending';
    }
    return median(times);
  };
  return pairedResult(
    PAIR_STORE_COMLINK,
    `A: ${STORE_BATCHES} batches of ${2 * B} store.updateStatus calls (1k store, processing <-> pending); B: ${COMLINK_CALLS} awaited comlink updateStatus round trips; ratio B / A`,
    await alternate(cfg.pairedRounds, storeSide, comlinkSide),
  );
}

/** A = a bare compareExchange + store pair, B = our Mutex lock + unlock, uncontended. */
export async function pairLockCas(cfg: BenchConfig): Promise<PairedResult> {
  const N = cfg.microBatch;
  const buffer = new SharedArrayBuffer(128);
  const word = new Int32Array(buffer, 64, 1);
  const m = new Mutex(buffer, 0);
  const cas = (): void => {
    for (let i = 0; i < N; i++) {
      Atomics.compareExchange(word, 0, 0, 1);
      Atomics.store(word, 0, 0);
    }
  };
  const lock = (): void => {
    for (let i = 0; i < N; i++) {
      m.lock();
      m.unlock();
    }
  };
  const r = await alternate(cfg.pairedRounds, () => batches(20, N, cas), () => batches(20, N, lock));
  if (m.isHeldByMe) throw new Error(`${PAIR_LOCK_CAS}: the lock was left held`);
  return pairedResult(PAIR_LOCK_CAS, `A: 20 batches of ${N} compareExchange + store pairs; B: 20 batches of ${N} Mutex lock + unlock; ratio B / A`, r);
}
