/**
 * In-thread side of the demo: one loop per scenario, run by every racing
 * worker with the same load for both variants. Only the step differs: the
 * deliberately broken step from broken.ts, or the safe one (the real store,
 * or a Mutex on the same shared memory).
 */
import { InvalidTransitionError, Mutex, canTransition, type JobStatus, type JobStore } from '@atomic-jobs/store';
import { passGate, sharedNow } from '../gate.js';
import { jobId, spin } from '../job-scenario.js';
import type { DemoTask } from '../protocol.js';
import {
  brokenCheckedTransition, brokenComplete, brokenFieldByFieldWrite, brokenReadMatches, brokenReadRecord, brokenTakePendingPage,
  brokenTwoStepUpdate, brokenWithdraw,
} from './broken.js';
import { BANK_BALANCE, BANK_MUTEX, J_PROCESSED, J_WRITES, NEXT_STATUS, jobWord, recordConsistent, type DemoWorkerResult } from './layout.js';

/** Reads each worker does after each write in scenarios 3 and 5. */
export const READS_PER_WRITE = 2;

interface Run {
  ops: number;
  anomalies: number;
  refusals: number;
  sink: number;
}

export function runDemoTask(store: JobStore, task: DemoTask): DemoWorkerResult {
  const i32 = new Int32Array(task.memory);
  const run: Run = { ops: 0, anomalies: 0, refusals: 0, sink: 0 };
  const startedAt = passGate(task.gate);
  switch (task.scenario) {
    case 'bank-account':
      bankAccount(task, i32, run);
      break;
    case 'duplicate-processing':
      duplicateProcessing(task, store, i32, run);
      break;
    case 'inconsistent-state':
      inconsistentState(task, store, i32, run);
      break;
    case 'invalid-transitions':
      invalidTransitions(task, store, i32, run);
      break;
    case 'torn-reads':
      tornReads(task, store, i32, run);
      break;
  }
  return { worker: task.worker, ops: run.ops, anomalies: run.anomalies, refusals: run.refusals, startedAt, finishedAt: sharedNow(), workChecksum: run.sink };
}

/** 1. Every worker withdraws 1, `iterations` times. */
function bankAccount(task: DemoTask, i32: Int32Array, run: Run): void {
  const mutex = new Mutex(task.memory, BANK_MUTEX);
  const safeWithdraw = (): number =>
    mutex.withLock(() => {
      const balance = Atomics.load(i32, BANK_BALANCE >> 2);
      const sink = spin(task.windowWork, balance);
      Atomics.store(i32, BANK_BALANCE >> 2, balance - 1);
      return sink;
    });
  for (let k = 0; k < task.iterations; k++, run.ops++) {
    run.sink ^= task.variant === 'broken' ? brokenWithdraw(i32, 1, task.windowWork) : safeWithdraw();
  }
}

/** Jobs looked at per page in scenario 2. */
export const PAGE_SIZE = 8;

/**
 * 2. Every worker walks all jobs in the same order, a page at a time: it
 * looks for pending jobs in the page, then (after the same window of work)
 * takes and processes them. Broken: check-then-set. Safe: claim(id), which
 * checks and sets in one critical section.
 */
function duplicateProcessing(task: DemoTask, store: JobStore, i32: Int32Array, run: Run): void {
  for (let from = 0; from < task.jobs; from += PAGE_SIZE) {
    const to = Math.min(from + PAGE_SIZE, task.jobs);
    run.ops += to - from;
    if (task.variant === 'broken') {
      for (const i of brokenTakePendingPage(i32, from, to, task.windowWork)) {
        Atomics.add(i32, jobWord(i, J_PROCESSED), 1);
        brokenComplete(i32, i);
      }
    } else {
      const seen: number[] = [];
      for (let i = from; i < to; i++) if (store.get(jobId(task.prefix, i))?.status === 'pending') seen.push(i);
      run.sink ^= spin(task.windowWork, from); // the same window as the broken variant
      for (const i of seen) {
        const id = jobId(task.prefix, i);
        const job = store.claim(id); // undefined when another worker took it since we looked
        if (job === undefined) continue;
        Atomics.add(i32, jobWord(i, J_PROCESSED), 1);
        store.updateStatus(id, 'completed', null, { attempt: job.attempts });
      }
    }
  }
}

/**
 * 3. Each worker moves its own job along the cycle, writing status with a
 * lastError that names it, and reads the other workers' jobs: a snapshot
 * whose lastError names another status belongs to another update.
 */
function inconsistentState(task: DemoTask, store: JobStore, i32: Int32Array, run: Run): void {
  const mine = task.worker % task.jobs;
  const id = jobId(task.prefix, mine);
  for (let seq = 1; seq <= task.iterations; seq++) {
    if (task.variant === 'broken') {
      run.sink ^= brokenTwoStepUpdate(i32, mine, task.worker, seq, task.windowWork);
    } else {
      const next = NEXT_STATUS[store.get(id)?.status ?? 'pending'];
      store.updateStatus(id, next, `${next}:${task.worker}:${seq}`);
      run.sink ^= spin(task.windowWork, seq); // the same work as the broken variant's window
    }
    run.ops++;
    for (let r = 1; r <= READS_PER_WRITE; r++, run.ops++) {
      const j = otherJob(task, mine, seq * READS_PER_WRITE + r);
      let ok: boolean;
      if (task.variant === 'broken') ok = brokenReadMatches(i32, j);
      else {
        const s = store.get(jobId(task.prefix, j));
        ok = s !== undefined && (s.lastError === null ? s.version === 1 : s.lastError.startsWith(`${s.status}:`));
      }
      if (!ok) run.anomalies++;
    }
  }
}

/** A job written by another worker (one's own writes cannot look half-done to oneself), round-robin. */
function otherJob(task: DemoTask, mine: number, n: number): number {
  return task.jobs === 1 ? mine : (mine + 1 + (n % (task.jobs - 1))) % task.jobs;
}

/**
 * 4. Jobs start processing. On each job, some workers complete it and the
 * others give it back (processing -> pending, as when reclaiming from a dead
 * worker); each checks the transition first, outside any critical section.
 */
function invalidTransitions(task: DemoTask, store: JobStore, i32: Int32Array, run: Run): void {
  for (let i = 0; i < task.jobs; i++, run.ops++) {
    const to: JobStatus = (i + task.worker) % 2 === 0 ? 'completed' : 'pending';
    const allowed = (from: JobStatus): boolean => canTransition(from, to);
    if (task.variant === 'broken') {
      if (brokenCheckedTransition(i32, i, to, allowed, task.windowWork)) Atomics.add(i32, jobWord(i, J_WRITES), 1);
    } else {
      const id = jobId(task.prefix, i);
      const from = store.get(id)?.status;
      if (from === undefined || !allowed(from)) continue;
      run.sink ^= spin(task.windowWork, i);
      try {
        store.updateStatus(id, to); // validated again inside the critical section
        Atomics.add(i32, jobWord(i, J_WRITES), 1);
      } catch (err) {
        if (!(err instanceof InvalidTransitionError)) throw err;
        run.refusals++;
      }
    }
  }
}

/** 5. Each worker writes its own job through the cycle and reads the others' jobs without a lock. */
function tornReads(task: DemoTask, store: JobStore, i32: Int32Array, run: Run): void {
  const mine = task.worker % task.jobs;
  let status: JobStatus = 'pending';
  let attempts = 0;
  for (let k = 0; k < task.iterations; k++) {
    status = NEXT_STATUS[status];
    if (status === 'processing') attempts++;
    if (task.variant === 'broken') run.sink ^= brokenFieldByFieldWrite(i32, mine, status, attempts, task.windowWork);
    else {
      store.updateStatus(jobId(task.prefix, mine), status, status === 'failed' ? String(attempts) : undefined);
      run.sink ^= spin(task.windowWork, attempts);
    }
    run.ops++;
    for (let r = 1; r <= READS_PER_WRITE; r++, run.ops++) {
      const j = otherJob(task, mine, k * READS_PER_WRITE + r);
      let ok: boolean;
      if (task.variant === 'broken') ok = brokenReadRecord(i32, j);
      else {
        const s = store.get(jobId(task.prefix, j));
        ok = s !== undefined && recordConsistent(s.status, s.attempts, s.version, s.lastError === null ? null : Number(s.lastError));
      }
      if (!ok) run.anomalies++;
    }
  }
}
