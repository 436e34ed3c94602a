#!/usr/bin/env node
// A/B of our Mutex under contention: child processes for side A and side B
// in alternation (this machine's speed drifts over seconds), each timing 5
// rounds of N worker threads x 200,000 lock + unlock on one Mutex; 8
// children per side. The sides are two builds of @atomic-jobs/store, or one
// build twice with B's children started with --harmony-struct (the flag the
// bench's V8 Atomics.Mutex child needs), to see whether the flag slows it.
//
//   node scripts/ab-mutex.mjs <dist A> <dist B> [--threads 4]
//   node scripts/ab-mutex.mjs packages/store/dist packages/store/dist --threads 2 --harmony-b
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const self = fileURLToPath(import.meta.url);
const OPS = 200_000;
const load = (dist) => import(pathToFileURL(resolve(dist, 'index.js')).href);

if (isMainThread && process.argv[2] !== 'child') {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { threads: { type: 'string', default: '4' }, 'harmony-b': { type: 'boolean', default: false } },
  });
  const [a, b] = positionals;
  if (a === undefined || b === undefined || positionals.length !== 2) {
    process.stderr.write('usage: node scripts/ab-mutex.mjs <dist A> <dist B> [--threads N] [--harmony-b]\n');
    process.exit(2);
  }
  const sides = [['a', a, []], ['b', b, values['harmony-b'] ? ['--harmony-struct'] : []]];
  const res = { a: [], b: [] };
  for (let r = 0; r < 8; r++) {
    for (const [k, dist, flags] of sides) {
      const out = spawnSync(process.execPath, [...flags, self, 'child', resolve(dist), values.threads], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`child (${k}) failed: ${out.stderr}`);
      res[k].push(...out.stdout.trim().split('\n').map(Number));
    }
  }
  const med = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
  const bNote = values['harmony-b'] ? ' (with --harmony-struct)' : '';
  console.log(`Mutex, ${values.threads} threads, median of ${res.a.length} rounds: A ${(med(res.a) / 1e6).toFixed(2)}M, B${bNote} ${(med(res.b) / 1e6).toFixed(2)}M ops/s; B / A ${(med(res.b) / med(res.a)).toFixed(3)}`);
} else if (isMainThread) {
  const [, , , dist, threads] = process.argv;
  const { Mutex } = await load(dist);
  const buffer = new SharedArrayBuffer(Mutex.BYTES);
  const n = Number(threads);
  const workers = Array.from({ length: n }, () => new Worker(self, { workerData: { buffer, dist } }));
  const reply = (w) => new Promise((r) => w.once('message', r));
  await Promise.all(workers.map(reply));
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    await Promise.all(workers.map((w) => (w.postMessage(OPS), reply(w))));
    console.log(Math.round(((n * OPS) / (performance.now() - t0)) * 1000));
  }
  await Promise.all(workers.map((w) => w.terminate()));
} else {
  const { Mutex } = await load(workerData.dist);
  const mutex = new Mutex(workerData.buffer);
  parentPort.on('message', (n) => {
    for (let i = 0; i < n; i++) {
      mutex.lock();
      mutex.unlock();
    }
    parentPort.postMessage(n);
  });
  parentPort.postMessage('ready');
}
