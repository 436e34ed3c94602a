#!/usr/bin/env node
// A/B of two builds of @atomic-jobs/store under contention on the pending
// list: N worker threads each loop claimNext() then updateStatus(id,
// 'pending') (so the list never empties) on one per-job store of 500 jobs,
// for 400 ms; builds alternate, each round on a fresh store and fresh
// workers. Prints each round's throughput and the median of the per-round
// ratios B / A (above 1: B claims faster).
//
//   git worktree add /tmp/old <commit> && (cd /tmp/old && pnpm install --frozen-lockfile && pnpm build)
//   node scripts/ab-claimnext.mjs /tmp/old/packages/store/dist packages/store/dist [--threads 2] [--rounds 8]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '8' } },
});
const threads = Number(values.threads);
const rounds = Number(values.rounds);
if (positionals.length !== 2 || !Number.isInteger(threads) || threads < 1 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: node scripts/ab-claimnext.mjs <dist of build A> <dist of build B> [--threads N] [--rounds R]\n');
  process.exit(2);
}
const [distA, distB] = positionals.map((dir) => pathToFileURL(resolve(dir, 'index.js')).href);

// Control words: [0] workers ready, [1] go, [2] stop.
const WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
const { JobStore } = await import(workerData.module);
const store = JobStore.attach(workerData.handle);
const ctrl = new Int32Array(workerData.ctrl);
Atomics.add(ctrl, 0, 1);
while (Atomics.load(ctrl, 1) === 0) Atomics.wait(ctrl, 1, 0, 10);
let n = 0;
while (Atomics.load(ctrl, 2) === 0) {
  for (let k = 0; k < 50; k++, n++) {
    const s = store.claimNext();
    if (s !== undefined) store.updateStatus(s.id, 'pending');
  }
}
parentPort.postMessage(n);
`;
const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`);

/** One round with this build: claims per second over all threads. */
async function round(module) {
  const { JobStore } = await import(module);
  const store = JobStore.create({ capacity: 1000 });
  for (let i = 0; i < 500; i++) store.create(`job-${i}`);
  const ctrl = new Int32Array(new SharedArrayBuffer(12));
  const workers = Array.from({ length: threads }, () => new Worker(workerUrl, { workerData: { module, handle: store.handle, ctrl: ctrl.buffer } }));
  const counts = workers.map((w) => new Promise((res, rej) => w.once('message', res).once('error', rej)));
  while (Atomics.load(ctrl, 0) < threads) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  Atomics.store(ctrl, 1, 1);
  await new Promise((r) => setTimeout(r, 400));
  Atomics.store(ctrl, 2, 1);
  const total = (await Promise.all(counts)).reduce((x, y) => x + y, 0);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return total / seconds;
}

const ratios = [];
for (let r = 0; r < rounds; r++) {
  const a = await round(distA);
  const b = await round(distB);
  ratios.push(b / a);
  process.stdout.write(`round ${r}: A ${(a / 1e3).toFixed(0)}k claims/s, B ${(b / 1e3).toFixed(0)}k claims/s, B / A ${(b / a).toFixed(3)}\n`);
}
ratios.sort((x, y) => x - y);
process.stdout.write(`claimNext + updateStatus on ${threads} threads: B / A ${(ratios[rounds >> 1] ?? 0).toFixed(3)} (median of ${rounds} rounds)\n`);
