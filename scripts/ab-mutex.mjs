#!/usr/bin/env node
// A/B of our Mutex under contention: N worker threads x 100,000 lock + unlock
// per round, on one Mutex, the counter it guards on its own cache line.
//
// Default: 4 child processes, one after the other (this machine's speed
// drifts over seconds to minutes); in each, the workers load both builds and
// run 10 rounds of A then B in turn, and with --v8 a round of V8's
// Atomics.Mutex after each pair (the children then run under
// --harmony-struct). Each build runs in a loop function of its own source
// text: one shared call site seeing two Mutex classes goes megamorphic and
// slows both. Prints each side's median ns per op, the median of the
// per-round ratios B / A, and with --v8 V8's time over each build's (the
// bench's mutexVsV8).
//
// --harmony-b: whether the flag itself slows our Mutex. A's children run
// without --harmony-struct and B's with it, in alternating child processes,
// 8 per side, 5 rounds each; then B / A is the ratio of the medians.
//
//   node scripts/ab-mutex.mjs <dist A> <dist B> [--threads 4] [--v8]
//   node scripts/ab-mutex.mjs packages/store/dist packages/store/dist --threads 2 --harmony-b
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const self = fileURLToPath(import.meta.url);
const OPS = 100_000;
const V8 = 'v8';
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];

/** Run one child: `sides` are [name, dist] pairs, timed in turn `rounds` times (V8's mutex last when `v8`). */
function child(sides, threads, rounds, v8, flags) {
  const args = [...flags, self, 'child', JSON.stringify({ sides, threads, rounds, v8 })];
  // A timeout: Node 20's shared heap (--harmony-struct) can hang a process now and then.
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  const lines = out.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  // Node 20 can crash while tearing down a --harmony-struct process after the
  // last line is printed; the results are complete, so only a short output fails.
  if (lines.length !== rounds * (sides.length + (v8 ? 1 : 0))) throw new Error(`child failed (status ${out.status}): ${out.stderr}`);
  return lines.map((l) => JSON.parse(l));
}

if (isMainThread && process.argv[2] !== 'child') {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      threads: { type: 'string', default: '4' },
      v8: { type: 'boolean', default: false },
      'harmony-b': { type: 'boolean', default: false },
    },
  });
  const [a, b] = positionals.map((d) => resolve(d));
  const threads = Number(values.threads);
  if (a === undefined || b === undefined || positionals.length !== 2 || !(threads >= 1) || (values.v8 && values['harmony-b'])) {
    process.stderr.write('usage: node scripts/ab-mutex.mjs <dist A> <dist B> [--threads N] [--v8 | --harmony-b]\n');
    process.exit(2);
  }
  if (values['harmony-b']) {
    const ns = { a: [], b: [] };
    for (let c = 0; c < 8; c++) {
      for (const row of child([['a', a]], threads, 5, false, [])) ns.a.push(row.ns);
      for (const row of child([['b', b]], threads, 5, false, ['--harmony-struct'])) ns.b.push(row.ns);
    }
    const [ma, mb] = [median(ns.a), median(ns.b)];
    console.log(`Mutex, ${threads} threads, median of ${ns.a.length} rounds: A ${ma.toFixed(1)} ns/op, B (with --harmony-struct) ${mb.toFixed(1)}; B / A ${(mb / ma).toFixed(3)}`);
  } else {
    const rows = [];
    for (let c = 0; c < 4; c++) rows.push(...child([['a', a], ['b', b]], threads, 10, values.v8, values.v8 ? ['--harmony-struct'] : []));
    const of = (side) => rows.filter((r) => r.side === side).map((r) => r.ns);
    const [ta, tb, tv] = [of('a'), of('b'), of(V8)];
    const per = (xs, ys) => median(xs.map((x, i) => (ys[i] ?? NaN) / x));
    let line = `Mutex, ${threads} threads, ${ta.length} rounds: A ${median(ta).toFixed(1)} ns/op, B ${median(tb).toFixed(1)}; B / A ${per(ta, tb).toFixed(3)} (median of per-round ratios)`;
    if (values.v8) line += `; V8 ${median(tv).toFixed(1)} ns/op, V8 / A ${per(ta, tv).toFixed(3)}, V8 / B ${per(tb, tv).toFixed(3)}`;
    console.log(line);
  }
} else if (isMainThread) {
  const { sides, threads, rounds, v8 } = JSON.parse(process.argv[3]);
  // One Mutex per side, each with the counter it guards on a cache line of its own.
  const buffers = Object.fromEntries(sides.map(([name]) => [name, new SharedArrayBuffer(256)]));
  const v8Mutex = v8 ? new Atomics.Mutex() : undefined;
  const v8Counter = new SharedArrayBuffer(256);
  const workers = Array.from({ length: threads }, () => new Worker(self, { workerData: { sides, buffers, v8Mutex, v8Counter } }));
  const reply = (w) => new Promise((r) => w.once('message', r));
  await Promise.all(workers.map(reply));
  const kinds = [...sides.map(([name]) => name), ...(v8 ? [V8] : [])];
  for (let round = 0; round < rounds; round++) {
    for (const side of kinds) {
      const t0 = performance.now();
      await Promise.all(workers.map((w) => (w.postMessage(side), reply(w))));
      const ns = ((performance.now() - t0) * 1e6) / (threads * OPS);
      console.log(JSON.stringify({ side, ns }));
    }
  }
  // Workers under --harmony-struct can hang in terminate() on Node 20: exit without it.
  process.exit(0);
} else {
  const { sides, buffers, v8Mutex, v8Counter } = workerData;
  const loops = new Map();
  for (const [name, dist] of sides) {
    const { Mutex } = await import(pathToFileURL(resolve(dist, 'index.js')).href);
    const mutex = new Mutex(buffers[name]);
    const counter = new Int32Array(buffers[name], 128, 1);
    const loop = new Function('mutex', 'c', 'n', `/* ${name} */ for (let i = 0; i < n; i++) { mutex.lock(); c[0] = c[0] + 1; mutex.unlock(); }`);
    loops.set(name, () => loop(mutex, counter, OPS));
  }
  if (v8Mutex !== undefined) {
    const counter = new Int32Array(v8Counter, 128, 1);
    const inc = () => {
      counter[0] = counter[0] + 1;
    };
    loops.set(V8, () => {
      for (let i = 0; i < OPS; i++) Atomics.Mutex.lock(v8Mutex, inc);
    });
  }
  parentPort.on('message', (side) => {
    loops.get(side)();
    parentPort.postMessage(side);
  });
  parentPort.postMessage('ready');
}
