#!/usr/bin/env node
// A/B of two builds of @atomic-jobs/store at a large capacity, in one process,
// in alternating rounds (see ab-store.mjs for why). Each build gets its own
// store filled to 90 %; each round times 5 batches of 100 jobs picked a
// fixed stride apart (so at 1,000,000 jobs every job touched is a cache and
// TLB miss, as in the bench's store ops) with each build.
//
//   node scripts/ab-store-1m.mjs <dist A> <dist B> [get|claim|updateStatus] [capacity]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { positionals } = parseArgs({ allowPositionals: true });
const [distA, distB, op = 'updateStatus', cap = '1000000'] = positionals;
if (distA === undefined || distB === undefined || !['get', 'claim', 'updateStatus'].includes(op)) {
  process.stderr.write('usage: node scripts/ab-store-1m.mjs <dist A> <dist B> [get|claim|updateStatus] [capacity]\n');
  process.exit(2);
}
const capacity = Number(cap);
const fill = Math.floor(capacity * 0.9);
const B = 100;
const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
const [A, Bm] = await Promise.all([distA, distB].map(load));

function side(mod) {
  const store = mod.JobStore.create({ capacity });
  const ids = [];
  for (let i = 0; i < fill; i++) {
    ids.push(`job-${i}`);
    store.create(`job-${i}`);
  }
  let cursor = 0;
  const picked = new Array(B).fill('');
  let sink = 0;
  const batch = () => {
    for (let i = 0; i < B; i++) {
      cursor = (cursor + 7919) % fill;
      picked[i] = ids[cursor];
      sink += picked[i].length;
    }
    const t0 = performance.now();
    if (op === 'get') for (const id of picked) sink += store.get(id).version;
    else if (op === 'claim') for (const id of picked) sink += store.claim(id).version;
    else for (const id of picked) {
      store.updateStatus(id, 'processing');
      sink += store.updateStatus(id, 'pending').version;
    }
    const ns = ((performance.now() - t0) * 1e6) / B;
    if (op === 'claim') for (const id of picked) store.updateStatus(id, 'pending');
    return sink > 0 ? ns : ns;
  };
  return () => {
    const t = [batch(), batch(), batch(), batch(), batch()].sort((p, q) => p - q);
    return t[2];
  };
}
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const a = side(A);
const b = side(Bm);
for (let w = 0; w < 20; w++) {
  a();
  b();
}
const as = [];
const bs = [];
const ratios = [];
for (let r = 0; r < 200; r++) {
  const x = a();
  const y = b();
  as.push(x);
  bs.push(y);
  ratios.push(y / x);
}
console.log(`${op} at ${capacity} jobs, ns per job: A ${median(as).toFixed(0)}, B ${median(bs).toFixed(0)}; B / A ${median(ratios).toFixed(3)} (median of ${ratios.length} rounds)`);
