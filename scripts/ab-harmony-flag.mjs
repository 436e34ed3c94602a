#!/usr/bin/env node
// Does `--harmony-struct` (the flag the bench's V8 Atomics.Mutex child needs)
// change how fast our Mutex runs? Child processes with and without the flag,
// in alternation (this machine's speed drifts over seconds), each timing 5
// rounds of 2 worker threads x 200,000 lock + unlock on one Mutex.
//
//   node scripts/ab-harmony-flag.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const self = fileURLToPath(import.meta.url);
const { Mutex } = await import(new URL('../packages/store/dist/index.js', import.meta.url).href);
const OPS = 200_000;

if (isMainThread && process.argv[2] !== 'child') {
  const res = { plain: [], flag: [] };
  for (let r = 0; r < 6; r++) {
    for (const [k, args] of [['plain', []], ['flag', ['--harmony-struct']]]) {
      const out = spawnSync(process.execPath, [...args, self, 'child'], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`child (${k}) failed: ${out.stderr}`);
      res[k].push(...out.stdout.trim().split('\n').map(Number));
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const m = (k) => (med(res[k]) / 1e6).toFixed(2);
  console.log(`Mutex, 2 threads, median of ${res.plain.length} rounds: ${m('plain')}M ops/s without the flag, ${m('flag')}M with --harmony-struct`);
} else if (isMainThread) {
  const buffer = new SharedArrayBuffer(Mutex.BYTES);
  const workers = [0, 1].map(() => new Worker(self, { workerData: buffer }));
  const reply = (w) => new Promise((resolve) => w.once('message', resolve));
  await Promise.all(workers.map(reply));
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    await Promise.all(workers.map((w) => (w.postMessage(OPS), reply(w))));
    console.log(Math.round(((2 * OPS) / (performance.now() - t0)) * 1000));
  }
  await Promise.all(workers.map((w) => w.terminate()));
} else {
  const mutex = new Mutex(workerData);
  parentPort.on('message', (n) => {
    for (let i = 0; i < n; i++) {
      mutex.lock();
      mutex.unlock();
    }
    parentPort.postMessage(n);
  });
  parentPort.postMessage('ready');
}
