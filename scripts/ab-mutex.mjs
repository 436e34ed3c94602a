#!/usr/bin/env node
// A/B of our Mutex under contention in two builds of @atomic-jobs/store:
// child processes with build A and build B in alternation (this machine's
// speed drifts over seconds), each timing 5 rounds of N worker threads x
// 200,000 lock + unlock on one Mutex; 8 children per build.
//
//   node scripts/ab-mutex.mjs <dist A> <dist B> [threads, default 4]
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const self = fileURLToPath(import.meta.url);
const OPS = 200_000;
const load = (dist) => import(pathToFileURL(resolve(dist, 'index.js')).href);

if (isMainThread && process.argv[2] !== 'child') {
  const [a, b, threads = '4'] = process.argv.slice(2);
  if (a === undefined || b === undefined) {
    process.stderr.write('usage: node scripts/ab-mutex.mjs <dist A> <dist B> [threads]\n');
    process.exit(2);
  }
  const res = { a: [], b: [] };
  for (let r = 0; r < 8; r++) {
    for (const [k, dist] of [['a', a], ['b', b]]) {
      const out = spawnSync(process.execPath, [self, 'child', resolve(dist), threads], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`child (${k}) failed: ${out.stderr}`);
      res[k].push(...out.stdout.trim().split('\n').map(Number));
    }
  }
  const med = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
  console.log(`Mutex, ${threads} threads, median of ${res.a.length} rounds: A ${(med(res.a) / 1e6).toFixed(2)}M, B ${(med(res.b) / 1e6).toFixed(2)}M ops/s; B / A ${(med(res.b) / med(res.a)).toFixed(3)}`);
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
