/**
 * Main-thread side of the warm contention workers (the in-thread side is
 * contention-worker.ts). The workers are created once; each command is one
 * generation of the control block, and the main thread blocks in
 * Atomics.wait until every participating worker has counted itself done, so
 * a round's time is exactly "wake N workers, N x K operations, last one done".
 */
import { once } from 'node:events';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort, type Transferable } from 'node:worker_threads';
import {
  CMD_CONFIGURE, CMD_EXIT, CMD_RUN_COUNT, CMD_RUN_TIMED, CTL_ARG, CTL_BYTES, CTL_CMD, CTL_CONTENDED_BYTE, CTL_COUNTS_BYTE,
  CTL_DONE, CTL_ERROR, CTL_GEN, CTL_MAX_NS_BYTE, CTL_SLEEP, CTL_STOP, CTL_THREADS, MAX_THREADS,
  type ConfigureMessage, type ContenderSetup, type WorkerErrorMessage, type WorkerInit, type WorkerReadyMessage,
} from './protocol.js';
import { HIST_BUCKETS, mergeInto } from './stats.js';

const WORKER_URL = new URL('./contention-worker.js', import.meta.url);
/** A command that takes longer than this means a hung or dead worker. */
const COMMAND_LIMIT_MS = 180_000;

export interface TimedRound {
  readonly elapsedMs: number;
  readonly perThread: number[];
  readonly contended: number;
  readonly maxNs: number;
  /** Merged latency histogram of the participating workers. */
  readonly hist: Float64Array;
}

export interface WorkerSetup {
  readonly setup: ContenderSetup;
  readonly transfer?: readonly Transferable[];
}

export class WorkerPool {
  readonly size: number;
  readonly #workers: Worker[];
  readonly #ports: MessagePort[];
  readonly #ctl: Int32Array;
  readonly #f64: Float64Array;
  readonly #hist: Uint32Array;
  readonly #crashes: string[] = [];

  private constructor(workers: Worker[], ports: MessagePort[], control: SharedArrayBuffer, histograms: SharedArrayBuffer) {
    this.size = workers.length;
    this.#workers = workers;
    this.#ports = ports;
    this.#ctl = new Int32Array(control);
    this.#f64 = new Float64Array(control);
    this.#hist = new Uint32Array(histograms);
    for (const w of workers) w.on('error', (err) => this.#crashes.push(String(err)));
  }

  /**
   * Start `size` workers and wait until each has loaded its modules (not
   * just 'online': eight workers compiling their imports would otherwise
   * share the CPU with the first measurement).
   */
  static async start(size = MAX_THREADS): Promise<WorkerPool> {
    if (!Number.isInteger(size) || size < 1 || size > MAX_THREADS) throw new RangeError(`pool size must be 1..${MAX_THREADS}, got ${size}`);
    const control = new SharedArrayBuffer(CTL_BYTES);
    const histograms = new SharedArrayBuffer(size * HIST_BUCKETS * 4);
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    for (let index = 0; index < size; index++) {
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = { index, control, histograms, port: port2 };
      workers.push(new Worker(WORKER_URL, { workerData: init, transferList: [port2] }));
      ports.push(port1);
    }
    await Promise.all(ports.map(async (p, i) => {
      const [msg] = (await Promise.race([once(p, 'message'), once(workers[i] as Worker, 'error').then(([err]) => Promise.reject(err as Error))])) as [WorkerReadyMessage];
      if (msg.type !== 'ready') throw new Error(`contention worker ${i} sent ${JSON.stringify(msg)} before ready`);
    }));
    // The ports were only needed in event mode for 'ready'; from here on they are read with receiveMessageOnPort.
    for (const p of ports) p.unref();
    return new WorkerPool(workers, ports, control, histograms);
  }

  /** Give every worker its contender (the message waits in its port until the command wakes it). */
  configure(setupFor: (index: number) => WorkerSetup): void {
    for (let i = 0; i < this.size; i++) {
      const { setup, transfer = [] } = setupFor(i);
      const msg: ConfigureMessage = { type: 'configure', setup };
      this.#port(i).postMessage(msg, [...transfer]);
    }
    this.#command(CMD_CONFIGURE, this.size, 0);
  }

  /** One throughput round: workers 0..threads-1 each do `opsPerThread` operations. Blocks. */
  runCount(threads: number, opsPerThread: number): void {
    this.#command(CMD_RUN_COUNT, threads, opsPerThread);
  }

  /** One fairness round: workers 0..threads-1 run until the stop flag, set after `durationMs`. Blocks. */
  runTimed(threads: number, durationMs: number): TimedRound {
    const t0 = performance.now();
    this.#start(CMD_RUN_TIMED, threads, 0);
    // Sleep on a word nobody changes: a plain blocking sleep of durationMs.
    Atomics.wait(this.#ctl, CTL_SLEEP, 0, durationMs);
    // The stop flag: every worker polls it with Atomics.load once per operation.
    Atomics.store(this.#ctl, CTL_STOP, 1);
    const elapsedMs = performance.now() - t0;
    this.#finish(threads);
    const perThread: number[] = [];
    const hist = new Float64Array(HIST_BUCKETS);
    let contended = 0;
    let maxNs = 0;
    for (let i = 0; i < threads; i++) {
      perThread.push(this.#f64[(CTL_COUNTS_BYTE >> 3) + i] ?? 0);
      contended += this.#f64[(CTL_CONTENDED_BYTE >> 3) + i] ?? 0;
      maxNs = Math.max(maxNs, this.#f64[(CTL_MAX_NS_BYTE >> 3) + i] ?? 0);
      mergeInto(hist, this.#hist.subarray(i * HIST_BUCKETS, (i + 1) * HIST_BUCKETS));
    }
    return { elapsedMs, perThread, contended, maxNs, hist };
  }

  async close(): Promise<void> {
    this.#start(CMD_EXIT, this.size, 0);
    await Promise.all(this.#workers.map((w) => w.terminate()));
    for (const p of this.#ports) p.close();
  }

  #port(i: number): MessagePort {
    const p = this.#ports[i];
    if (p === undefined) throw new RangeError(`no worker ${i}`);
    return p;
  }

  #command(cmd: number, threads: number, arg: number): void {
    this.#start(cmd, threads, arg);
    this.#finish(threads);
  }

  #start(cmd: number, threads: number, arg: number): void {
    if (threads < 1 || threads > this.size) throw new RangeError(`threads must be 1..${this.size}, got ${threads}`);
    const ctl = this.#ctl;
    // The workers are all asleep on CTL_GEN (the previous command's DONE
    // count told us so), so these plain-ordered stores cannot race with them;
    // the seq_cst add on CTL_GEN publishes them before any worker wakes.
    Atomics.store(ctl, CTL_CMD, cmd);
    Atomics.store(ctl, CTL_THREADS, threads);
    Atomics.store(ctl, CTL_ARG, arg);
    Atomics.store(ctl, CTL_DONE, 0);
    Atomics.store(ctl, CTL_STOP, 0);
    Atomics.store(ctl, CTL_ERROR, 0);
    Atomics.add(ctl, CTL_GEN, 1);
    Atomics.notify(ctl, CTL_GEN);
  }

  #finish(threads: number): void {
    const ctl = this.#ctl;
    const deadline = performance.now() + COMMAND_LIMIT_MS;
    // Each worker adds 1 to CTL_DONE then notifies; we re-check the count
    // after every wake-up, and Atomics.wait returns at once if the count
    // changed since we read it, so no completion is missed.
    for (let done = Atomics.load(ctl, CTL_DONE); done < threads; done = Atomics.load(ctl, CTL_DONE)) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`contention workers: ${done} of ${threads} finished within ${COMMAND_LIMIT_MS} ms ${this.#crashes.join('; ')}`);
      Atomics.wait(ctl, CTL_DONE, done, left);
    }
    if (Atomics.load(ctl, CTL_ERROR) !== 0) {
      const errors: string[] = [];
      for (const p of this.#ports) {
        for (let m = receiveMessageOnPort(p); m !== undefined; m = receiveMessageOnPort(p)) errors.push((m.message as WorkerErrorMessage).message);
      }
      throw new Error(`contention worker failed: ${errors.join('\n')}`);
    }
  }
}
