#!/usr/bin/env node
// The longest waits for one contended Mutex: N worker threads x K lock +
// unlock per round, every acquisition timed; prints the waits above 20 ms.
// A waiter that nothing wakes sleeps out its poll (POLL_MS, 50 ms), so a
// build whose lock word says otherwise shows it: copy its dist, set POLL_MS
// to 200 in the copy's lock-word.js, and lost wake-ups stand out at ~200 ms
// above the scheduling tail (tens of ms with 8 threads on 2 cores).
//
//   node scripts/lock-waits.mjs <dist> [--threads 8] [--ops 100000] [--rounds 20]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

if (isMainThread) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { threads: { type: 'string', default: '8' }, ops: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '20' } },
  });
  const [threads, ops, rounds] = [values.threads, values.ops, values.rounds].map(Number);
  if (positionals.length !== 1 || ![threads, ops, rounds].every((n) => Number.isInteger(n) && n >= 1)) {
    process.stderr.write('usage: node scripts/lock-waits.mjs <dist> [--threads N] [--ops N] [--rounds N]\n');
    process.exit(2);
  }
  const index = pathToFileURL(resolve(positionals[0], 'index.js')).href;
  const { Mutex } = await import(index);
  const buffer = new SharedArrayBuffer(Mutex.BYTES);
  const go = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { index, buffer, go: go.buffer, ops } }));
  const long = [];
  for (let r = 1; r <= rounds; r++) {
    const done = workers.map((w) => new Promise((res) => w.once('message', res)));
    Atomics.store(go, 0, r);
    Atomics.notify(go, 0);
    for (const waits of await Promise.all(done)) long.push(...waits);
  }
  long.sort((a, b) => b - a);
  console.log(`${threads} threads, ${rounds} rounds of ${ops} lock + unlock each: ${long.length} waits above 20 ms; longest (ms): ${long.slice(0, 12).map((x) => x.toFixed(1)).join(' ')}`);
  await Promise.all(workers.map((w) => w.terminate()));
} else {
  const { index, buffer, go, ops } = workerData;
  const { Mutex } = await import(index);
  const mutex = new Mutex(buffer);
  const g = new Int32Array(go);
  for (let seen = 0; ; ) {
    Atomics.wait(g, 0, seen);
    seen = Atomics.load(g, 0);
    const long = [];
    for (let k = 0; k < ops; k++) {
      const t0 = performance.now();
      mutex.lock();
      const dt = performance.now() - t0;
      mutex.unlock();
      if (dt > 20) long.push(dt);
    }
    parentPort.postMessage(long);
  }
}
