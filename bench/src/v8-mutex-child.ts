/**
 * Runs in a child process started with `node --harmony-struct` (v8-mutex.ts
 * starts it): V8's native Atomics.Mutex, single-thread and under contention.
 * Worker execArgv refuses the flag, but workers started inside this process
 * inherit the V8 flags, so the same warm contention workers measure it.
 */
import type { BenchConfig } from './config.js';
import type { ContenderDef } from './contention.js';
import { contentionName, runContention } from './contention.js';
import { counterContender, counterRounds } from './contenders.js';
import { makeMatcher, type Matcher } from './filter.js';
import { measure } from './measure.js';
import { WorkerPool } from './pool.js';
import { DATA_BYTES, MAX_THREADS, PAIRED_MUTEX, mutexVsV8Name, type ChildRunMessage, type FromChild } from './protocol.js';
import type { SingleResult } from './results.js';
import { tryLockSucceeded, v8MutexApi, type V8MutexApi } from './worker-ops.js';

function send(msg: FromChild): void {
  process.send?.(msg);
}

/** Atomics.Mutex is a constructor under --harmony-struct; its instances are shared objects. */
function newMutex(api: V8MutexApi): unknown {
  return new (api as unknown as new () => object)();
}

async function singles(api: V8MutexApi, cfg: BenchConfig, matches: Matcher): Promise<SingleResult[]> {
  const B = cfg.microBatch;
  const mu = newMutex(api);
  let x = 0;
  const inc = (): void => {
    x++;
  };
  const out: SingleResult[] = [];
  if (matches('single/v8-mutex-lock')) {
    out.push(await measure(cfg, 'single/v8-mutex-lock', () => {
      for (let i = 0; i < B; i++) api.lock(mu, inc);
    }, { ops: B, what: 'Atomics.Mutex.lock(m, fn), uncontended, fn increments a variable' }));
  }
  if (matches('single/v8-mutex-trylock')) {
    let failed = 0;
    out.push(await measure(cfg, 'single/v8-mutex-trylock', () => {
      for (let i = 0; i < B; i++) if (!tryLockSucceeded(api.tryLock(mu, inc))) failed++;
    }, { ops: B, what: 'Atomics.Mutex.tryLock(m, fn) (succeeds), fn increments a variable' }));
    if (failed > 0) throw new Error(`single/v8-mutex-trylock: ${failed} tryLock calls failed on a free mutex`);
  }
  if (x < 0) throw new Error('unreachable');
  return out;
}

function v8Contender(api: V8MutexApi): ContenderDef {
  return {
    name: 'v8-mutex',
    probeOps: 10_000,
    warmOps: 300_000,
    latencyOf: 'Atomics.Mutex.lock wait, until the callback starts (after a failed tryLock)',
    contention: 'worker',
    prepare: () => {
      const data = new SharedArrayBuffer(DATA_BYTES);
      const mutex = newMutex(api);
      return Promise.resolve({ setupFor: () => ({ setup: { kind: 'v8-mutex', data, mutex } }), ...counterRounds(data) });
    },
  };
}

async function run(msg: ChildRunMessage): Promise<void> {
  const api = v8MutexApi();
  if (api === undefined) {
    send({ type: 'unavailable', reason: `Atomics.Mutex is not defined in node ${process.version} even with --harmony-struct` });
    return;
  }
  const { config: cfg } = msg;
  const matches = makeMatcher(msg.filter);
  const log = (line: string): void => send({ type: 'progress', line });
  const single = await singles(api, cfg, matches);
  const names = [PAIRED_MUTEX, 'v8-mutex'].flatMap((c) => cfg.threads.map((t) => contentionName(c, t)));
  if (!names.some(matches)) {
    send({ type: 'result', single, contention: [], paired: [] });
    return;
  }
  // The pool is never closed: the parent kills this process once the results
  // have arrived, because terminating workers under Node 20's shared heap can
  // deadlock (see v8-mutex.ts).
  const pool = await WorkerPool.start(Math.min(MAX_THREADS, Math.max(...cfg.threads)));
  // Our Mutex again, here, alternating with V8's at each thread count: the
  // mutexVsV8 ratio compares these two, taken moments apart in one process.
  const ours = counterContender(PAIRED_MUTEX, 'mutex', 'lock() wait, until it returns');
  // And then once more in alternating rounds, ours and V8's in turn, for a
  // ratio that the machine's phase drift cannot decide (contention.ts).
  const { contention, paired } = await runContention(pool, [ours, v8Contender(api)], cfg, matches, log, [
    { name: mutexVsV8Name, a: PAIRED_MUTEX, b: 'v8-mutex' },
  ]);
  send({ type: 'result', single, contention, paired });
}

process.once('message', (msg: ChildRunMessage) => {
  run(msg).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
// Orphaned (the parent died before killing us): leave at once, without tearing the workers down.
process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
