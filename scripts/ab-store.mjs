#!/usr/bin/env node
// A/B of two builds of @atomic-jobs/store in one process, in alternating
// rounds (this machine's speed drifts by up to 2x over seconds, so two
// separate runs cannot compare builds). Each round times 20 batches of 100
// jobs x (updateStatus processing, then pending) on a 1,000-job store with
// each build; the median batch of each side per round, the median over 200
// rounds, and the median of the per-round ratios B / A.
//
//   git worktree add /tmp/old <commit> && (cd /tmp/old && pnpm install --frozen-lockfile && pnpm build)
//   node scripts/ab-store.mjs /tmp/old/packages/store/dist packages/store/dist
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { positionals } = parseArgs({ allowPositionals: true });
if (positionals.length !== 2) {
  process.stderr.write('usage: node scripts/ab-store.mjs <dist of build A> <dist of build B>\n');
  process.exit(2);
}
const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
const [A, B] = await Promise.all(positionals.map(load));

function side(mod) {
  const store = mod.JobStore.create({ capacity: 1000 });
  const ids = [];
  for (let i = 0; i < 900; i++) {
    ids.push(`job-${i}`);
    store.create(`job-${i}`);
  }
  let cursor = 0;
  return () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) {
      cursor = (cursor + 7919) % 900;
      const id = ids[cursor];
      store.updateStatus(id, 'processing');
      store.updateStatus(id, 'pending');
    }
    return ((performance.now() - t0) * 1e6) / 200;
  };
}
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const a = side(A);
const b = side(B);
for (let w = 0; w < 2000; w++) {
  a();
  b();
}
const as = [];
const bs = [];
const ratios = [];
for (let r = 0; r < 200; r++) {
  const ta = [];
  const tb = [];
  for (let k = 0; k < 20; k++) {
    ta.push(a());
    tb.push(b());
  }
  as.push(median(ta));
  bs.push(median(tb));
  ratios.push(median(tb) / median(ta));
}
console.log(`updateStatus ns: A ${median(as).toFixed(0)}, B ${median(bs).toFixed(0)}; B / A ${median(ratios).toFixed(3)} (median of ${ratios.length} rounds)`);
