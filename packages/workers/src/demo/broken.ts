/**
 * DELIBERATELY BROKEN. Each function here is one of the mistakes the demo
 * exists to show, applied to the demo's shared memory (layout.ts) exactly the
 * way a hand-rolled shared-memory job table would do it. Every single word is
 * read and written with Atomics, so nothing here is a data race in the
 * JavaScript memory model: the bugs are logical races between steps that
 * should have been one critical section. Never copy this into the store.
 */
import type { JobStatus } from '@atomic-jobs/store';
import { spin } from '../job-scenario.js';
import {
  BANK_BALANCE, J_ATTEMPTS, J_ERROR, J_STATUS, J_VERSION, NEXT_STATUS, STATUS_CODE, STATUS_OF_CODE, errorToken, jobWord, recordConsistent, statusOfToken,
} from './layout.js';

/**
 * BROKEN (scenario 1, lost updates): read the balance, compute, write it back,
 * with no lock. Another thread's withdrawal between our read and our write is
 * overwritten. `work` widens the window the way real code (logging, a check) would.
 */
export function brokenWithdraw(i32: Int32Array, amount: number, work: number): number {
  const balance = Atomics.load(i32, BANK_BALANCE >> 2);
  const sink = spin(work, balance);
  Atomics.store(i32, BANK_BALANCE >> 2, balance - amount);
  return sink;
}

/**
 * BROKEN (scenario 2, duplicate processing): check-then-set on a page of
 * jobs, like SELECT ... WHERE status = 'pending' LIMIT n followed later by an
 * UPDATE. Every thread that looked at the page before the first one marked
 * it takes the same jobs, and processes them again.
 * Returns the indexes this thread "took".
 */
export function brokenTakePendingPage(i32: Int32Array, from: number, to: number, work: number): number[] {
  const taken: number[] = [];
  for (let i = from; i < to; i++) if (Atomics.load(i32, jobWord(i, J_STATUS)) === STATUS_CODE.pending) taken.push(i);
  spin(work, from);
  for (const i of taken) Atomics.store(i32, jobWord(i, J_STATUS), STATUS_CODE.processing);
  return taken;
}

export function brokenComplete(i32: Int32Array, index: number): void {
  Atomics.store(i32, jobWord(index, J_STATUS), STATUS_CODE.completed);
}

/**
 * BROKEN (scenario 3, inconsistent state): status and lastError written as
 * separate steps, and the record "saved" (version bumped, visible) before
 * lastError is set: the original's Mistake 3. A reader in between sees the
 * new status with the previous update's lastError.
 */
export function brokenTwoStepUpdate(i32: Int32Array, index: number, worker: number, seq: number, work: number): number {
  const cur = STATUS_OF_CODE[Atomics.load(i32, jobWord(index, J_STATUS))] ?? 'pending';
  const next = NEXT_STATUS[cur];
  Atomics.store(i32, jobWord(index, J_STATUS), STATUS_CODE[next]);
  Atomics.add(i32, jobWord(index, J_VERSION), 1); // "saved" here...
  const sink = spin(work, seq);
  Atomics.store(i32, jobWord(index, J_ERROR), errorToken(next, worker, seq)); // ...lastError set after the save
  return sink;
}

/** Scenario 3's reader, without a lock: does lastError belong to the update that wrote status? */
export function brokenReadMatches(i32: Int32Array, index: number): boolean {
  const status = STATUS_OF_CODE[Atomics.load(i32, jobWord(index, J_STATUS))];
  const error = Atomics.load(i32, jobWord(index, J_ERROR));
  return statusOfToken(error) === status;
}

/**
 * BROKEN (scenario 4, invalid transitions): the transition is checked outside
 * the critical section, then written. By the time of the write the status may
 * have changed, so e.g. a completed job is put back to pending.
 * `allowed` is the caller's check (canTransition) of the status it read.
 */
export function brokenCheckedTransition(i32: Int32Array, index: number, to: JobStatus, allowed: (from: JobStatus) => boolean, work: number): boolean {
  const from = STATUS_OF_CODE[Atomics.load(i32, jobWord(index, J_STATUS))];
  if (from === undefined || !allowed(from)) return false;
  spin(work, index);
  Atomics.store(i32, jobWord(index, J_STATUS), STATUS_CODE[to]);
  return true;
}

/**
 * BROKEN (scenario 5, torn writes): one update's fields written one word at a
 * time, with no seqlock or lock, so a concurrent reader can copy half of it.
 * Only thread `worker` writes job `index`; `attempts` is its own count.
 */
export function brokenFieldByFieldWrite(i32: Int32Array, index: number, next: JobStatus, attempts: number, work: number): number {
  Atomics.store(i32, jobWord(index, J_STATUS), STATUS_CODE[next]);
  const sink = spin(work, attempts);
  Atomics.store(i32, jobWord(index, J_ATTEMPTS), attempts);
  Atomics.add(i32, jobWord(index, J_VERSION), 1);
  if (next === 'failed') Atomics.store(i32, jobWord(index, J_ERROR), attempts);
  return sink;
}

/** BROKEN (scenario 5): copy a record word by word without a lock. True when the copy is consistent. */
export function brokenReadRecord(i32: Int32Array, index: number): boolean {
  const status = STATUS_OF_CODE[Atomics.load(i32, jobWord(index, J_STATUS))];
  const attempts = Atomics.load(i32, jobWord(index, J_ATTEMPTS));
  const version = Atomics.load(i32, jobWord(index, J_VERSION));
  const error = Atomics.load(i32, jobWord(index, J_ERROR));
  return recordConsistent(status, attempts, version, error === 0 ? null : error);
}
