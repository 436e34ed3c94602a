/**
 * In-thread side of each contender: what one worker does per operation, in
 * two loops per contender: `count(k)` (k operations, untimed: the throughput
 * rounds) and `timed()` (until the shared stop flag, with a timer read around
 * every operation: the fairness rounds). Kept monomorphic, one class per kind.
 */
import type { MessagePort } from 'node:worker_threads';
import { JobStore, Mutex, type JobStatus } from '@atomic-jobs/store';
import { wrapBaseline } from '@atomic-jobs/workers';
import { CTL_STOP, DATA_COUNTER, DATA_LOCK_BYTE, HOT_JOB, jobId, type ContenderSetup, type StoreJobs } from './protocol.js';
import type { Recorder } from './stats.js';

export interface WorkerContender {
  count(k: number): void | Promise<void>;
  /** Runs until CTL_STOP is set; returns the operations done. */
  timed(ctl: Int32Array, rec: Recorder): number | Promise<number>;
  /** Acquisitions that found the lock taken, counted by the worker itself (V8 mutex only). */
  contended: number;
  dispose(): void;
}

/** V8's native mutex (shared structs, `node --harmony-struct`). Not in lib.d.ts. */
export interface V8MutexApi {
  lock(mutex: unknown, cb: () => void): unknown;
  tryLock(mutex: unknown, cb: () => void): unknown;
}

export function v8MutexApi(): V8MutexApi | undefined {
  const api = (Atomics as unknown as { Mutex?: V8MutexApi }).Mutex;
  return typeof api === 'function' ? api : undefined;
}

/** tryLock returns `true`/`false` in V8 11 and `{ value, success }` in later versions. */
export function tryLockSucceeded(r: unknown): boolean {
  return r === true || (typeof r === 'object' && r !== null && (r as { success?: unknown }).success === true);
}

class Racy implements WorkerContender {
  contended = 0;
  readonly #c: Int32Array;
  constructor(data: SharedArrayBuffer) {
    this.#c = new Int32Array(data);
  }
  count(k: number): void {
    const c = this.#c;
    // A plain read-modify-write: two threads can read the same value and one increment is lost.
    for (let i = 0; i < k; i++) c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
  }
  timed(ctl: Int32Array, rec: Recorder): number {
    const c = this.#c;
    let n = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
      rec.record(performance.now() - t0);
      n++;
    }
    return n;
  }
  dispose(): void {}
}

class AtomicAdd implements WorkerContender {
  contended = 0;
  readonly #c: Int32Array;
  constructor(data: SharedArrayBuffer) {
    this.#c = new Int32Array(data);
  }
  count(k: number): void {
    const c = this.#c;
    for (let i = 0; i < k; i++) Atomics.add(c, DATA_COUNTER, 1);
  }
  timed(ctl: Int32Array, rec: Recorder): number {
    const c = this.#c;
    let n = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      Atomics.add(c, DATA_COUNTER, 1);
      rec.record(performance.now() - t0);
      n++;
    }
    return n;
  }
  dispose(): void {}
}

class OurMutex implements WorkerContender {
  contended = 0;
  readonly #c: Int32Array;
  readonly #m: Mutex;
  constructor(data: SharedArrayBuffer) {
    this.#c = new Int32Array(data);
    this.#m = new Mutex(data, DATA_LOCK_BYTE);
  }
  count(k: number): void {
    const c = this.#c;
    const m = this.#m;
    for (let i = 0; i < k; i++) {
      m.lock();
      c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
      m.unlock();
    }
  }
  timed(ctl: Int32Array, rec: Recorder): number {
    const c = this.#c;
    const m = this.#m;
    let n = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      m.lock();
      const t1 = performance.now();
      c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
      m.unlock();
      rec.record(t1 - t0);
      n++;
    }
    return n;
  }
  dispose(): void {}
}

class V8Mutex implements WorkerContender {
  contended = 0;
  readonly #api: V8MutexApi;
  readonly #mutex: unknown;
  readonly #c: Int32Array;
  constructor(data: SharedArrayBuffer, mutex: unknown) {
    const api = v8MutexApi();
    if (api === undefined) throw new Error('Atomics.Mutex is missing: this thread was not started under node --harmony-struct');
    this.#api = api;
    this.#mutex = mutex;
    this.#c = new Int32Array(data);
  }
  count(k: number): void {
    const { lock } = this.#api;
    const mu = this.#mutex;
    const c = this.#c;
    const inc = (): void => {
      c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
    };
    for (let i = 0; i < k; i++) lock(mu, inc);
  }
  timed(ctl: Int32Array, rec: Recorder): number {
    const { lock, tryLock } = this.#api;
    const mu = this.#mutex;
    const c = this.#c;
    let t1 = 0;
    const inc = (): void => {
      t1 = performance.now();
      c[DATA_COUNTER] = (c[DATA_COUNTER] as number) + 1;
    };
    let n = 0;
    let contended = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      // V8 keeps no statistics: a failed tryLock first is what "contended" means for ours too
      // (our lock() counts an acquisition as contended when its first compareExchange fails).
      if (!tryLockSucceeded(tryLock(mu, inc))) {
        contended++;
        lock(mu, inc);
      }
      rec.record(t1 - t0);
      n++;
    }
    this.contended = contended;
    return n;
  }
  dispose(): void {}
}

class StoreCalls implements WorkerContender {
  contended = 0;
  readonly #store: JobStore;
  readonly #jobs: StoreJobs;
  readonly #id: string;
  #next: JobStatus;
  /** Hot job: this worker claimed it and must give it back. */
  #holding = false;
  /** Queue: the job this worker claimed and must put back, or undefined. */
  #claimed: string | undefined;
  constructor(setup: Extract<ContenderSetup, { kind: 'store' }>, index: number) {
    this.#store = JobStore.attach(setup.handle);
    this.#jobs = setup.jobs;
    this.#id = setup.jobs === 'hot' ? HOT_JOB : jobId(index);
    this.#next = this.#store.get(this.#id)?.status === 'processing' ? 'pending' : 'processing';
  }
  /**
   * One store call. Distinct jobs: updateStatus toggling this worker's own job
   * processing <-> pending (always a valid transition). Hot job: claim it, and
   * if this worker won it, give it back with updateStatus(pending) as its next
   * call. Queue: claimNext, then put the job it got back at the list's tail
   * with updateStatus(pending) as the next call.
   */
  #op(): void {
    if (this.#jobs === 'queue') {
      if (this.#claimed !== undefined) {
        this.#store.updateStatus(this.#claimed, 'pending');
        this.#claimed = undefined;
      } else {
        this.#claimed = this.#store.claimNext()?.id;
      }
      return;
    }
    if (this.#jobs === 'hot') {
      if (this.#holding) {
        this.#store.updateStatus(HOT_JOB, 'pending');
        this.#holding = false;
      } else {
        this.#holding = this.#store.claim(HOT_JOB) !== undefined;
      }
      return;
    }
    this.#store.updateStatus(this.#id, this.#next);
    this.#next = this.#next === 'pending' ? 'processing' : 'pending';
  }
  count(k: number): void {
    for (let i = 0; i < k; i++) this.#op();
    // Never leave a job claimed between rounds: the next round may not include this worker.
    if (this.#holding || this.#claimed !== undefined) this.#op();
  }
  timed(ctl: Int32Array, rec: Recorder): number {
    let n = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      this.#op();
      rec.record(performance.now() - t0);
      n++;
    }
    if (this.#holding || this.#claimed !== undefined) {
      this.#op();
      n++;
    }
    return n;
  }
  /** Give the registry entry back: workers are reconfigured many times (alternating rounds), and a store has 256 entries. */
  dispose(): void {
    this.#store.detach();
  }
}

class Comlink implements WorkerContender {
  contended = 0;
  readonly #port: MessagePort;
  readonly #store: ReturnType<typeof wrapBaseline>;
  readonly #id: string;
  /** Unknown until the first call asks the owner (the job may be left processing by a previous configuration). */
  #next: JobStatus | undefined;
  constructor(setup: Extract<ContenderSetup, { kind: 'comlink' }>, index: number) {
    this.#port = setup.port;
    this.#store = wrapBaseline(setup.port);
    this.#id = jobId(index);
  }
  async #first(): Promise<JobStatus> {
    const s = await this.#store.get(this.#id);
    if (s === undefined) throw new Error(`comlink baseline: job ${this.#id} does not exist`);
    return s.status === 'processing' ? 'pending' : 'processing';
  }
  async count(k: number): Promise<void> {
    let next = this.#next ?? (await this.#first());
    for (let i = 0; i < k; i++) {
      await this.#store.updateStatus(this.#id, next);
      next = next === 'pending' ? 'processing' : 'pending';
    }
    this.#next = next;
  }
  async timed(ctl: Int32Array, rec: Recorder): Promise<number> {
    let next = this.#next ?? (await this.#first());
    let n = 0;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      const t0 = performance.now();
      await this.#store.updateStatus(this.#id, next);
      rec.record(performance.now() - t0);
      next = next === 'pending' ? 'processing' : 'pending';
      n++;
    }
    this.#next = next;
    return n;
  }
  dispose(): void {
    this.#port.close();
  }
}

export function makeContender(setup: ContenderSetup, index: number): WorkerContender {
  switch (setup.kind) {
    case 'racy':
      return new Racy(setup.data);
    case 'atomics-add':
      return new AtomicAdd(setup.data);
    case 'mutex':
      return new OurMutex(setup.data);
    case 'v8-mutex':
      return new V8Mutex(setup.data, setup.mutex);
    case 'store':
      return new StoreCalls(setup, index);
    case 'comlink':
      return new Comlink(setup, index);
  }
}
