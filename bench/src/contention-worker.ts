/**
 * A warm contention worker. Created once per pool and reused for every
 * contender and round; between commands it sleeps in Atomics.wait on
 * CTL_GEN. The main-thread side is pool.ts.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  CMD_CONFIGURE, CMD_EXIT, CMD_RUN_COUNT, CMD_RUN_TIMED, CTL_ARG, CTL_CMD, CTL_CONTENDED_BYTE, CTL_COUNTS_BYTE, CTL_DONE,
  CTL_ERROR, CTL_GEN, CTL_MAX_NS_BYTE, CTL_THREADS, type ConfigureMessage, type WorkerErrorMessage, type WorkerInit, type WorkerReadyMessage,
} from './protocol.js';
import { HIST_BUCKETS, Recorder } from './stats.js';
import { makeContender, type WorkerContender } from './worker-ops.js';

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.control);
const f64 = new Float64Array(init.control);
const rec = new Recorder(new Uint32Array(init.histograms, init.index * HIST_BUCKETS * 4, HIST_BUCKETS));
let contender: WorkerContender | undefined;

function current(): WorkerContender {
  if (contender === undefined) throw new Error(`worker ${init.index}: run before configure`);
  return contender;
}

function finishTimed(c: WorkerContender, n: number): void {
  f64[(CTL_COUNTS_BYTE >> 3) + init.index] = n;
  f64[(CTL_MAX_NS_BYTE >> 3) + init.index] = rec.maxNs;
  f64[(CTL_CONTENDED_BYTE >> 3) + init.index] = c.contended;
}

function execute(cmd: number): void | Promise<void> {
  switch (cmd) {
    case CMD_CONFIGURE: {
      const got = receiveMessageOnPort(init.port);
      if (got === undefined) throw new Error(`worker ${init.index}: configure command without a configure message`);
      contender?.dispose();
      contender = makeContender((got.message as ConfigureMessage).setup, init.index);
      return;
    }
    case CMD_RUN_COUNT:
      return current().count(Atomics.load(ctl, CTL_ARG));
    case CMD_RUN_TIMED: {
      const c = current();
      rec.reset();
      c.contended = 0;
      const r = c.timed(ctl, rec);
      if (typeof r === 'number') return finishTimed(c, r);
      return r.then((n) => finishTimed(c, n));
    }
    default:
      throw new Error(`worker ${init.index}: unknown command ${cmd}`);
  }
}

async function serve(): Promise<void> {
  const ready: WorkerReadyMessage = { type: 'ready' };
  init.port.postMessage(ready);
  let seen = 0;
  for (;;) {
    // Sleep until the main thread bumps the generation. It writes the command
    // words first and bumps CTL_GEN last (seq_cst), so once we see the new
    // generation we also see its command.
    let gen = Atomics.load(ctl, CTL_GEN);
    while (gen === seen) {
      Atomics.wait(ctl, CTL_GEN, seen);
      gen = Atomics.load(ctl, CTL_GEN);
    }
    seen = gen;
    const cmd = Atomics.load(ctl, CTL_CMD);
    if (cmd === CMD_EXIT) break;
    if (init.index >= Atomics.load(ctl, CTL_THREADS)) continue;
    try {
      const r = execute(cmd);
      if (r !== undefined) await r;
    } catch (err) {
      const msg: WorkerErrorMessage = { type: 'error', message: `worker ${init.index}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
      init.port.postMessage(msg);
      Atomics.store(ctl, CTL_ERROR, 1);
    }
    // Everything this round wrote (counts, histogram, error flag) happens
    // before this add; the main thread reads them after seeing the total.
    Atomics.add(ctl, CTL_DONE, 1);
    Atomics.notify(ctl, CTL_DONE);
  }
  contender?.dispose();
  init.port.close();
}

await serve();
