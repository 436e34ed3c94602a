#!/usr/bin/env node
// A/B of two builds of @atomic-jobs/store in one process, in alternating
// rounds (this machine's speed drifts by up to 2x over seconds, so two
// separate runs cannot compare builds). Each build gets its own per-job store
// filled to 90 % of `--capacity`; each round times 20 batches of 100 jobs
// picked a fixed stride apart with each build, in turn (at 1,000,000 jobs
// every job touched is a cache and TLB miss, as in the bench's store ops);
// the median batch of each side per round, the median over 200 rounds, and
// the median of the per-round ratios B / A.
//   --op updateStatus (default): each job processing, then pending (ns per call)
//   --op claim: claim each job (ns per call), put back to pending untimed
//   --op get: get each job (ns per call)
//   --op claimNext: claimNext (ns per call), each job put back to pending untimed
//
//   git worktree add /tmp/old <commit> && (cd /tmp/old && pnpm install --frozen-lockfile && pnpm build)
//   node scripts/ab-store.mjs /tmp/old/packages/store/dist packages/store/dist [--op get] [--capacity 1000000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { op: { type: 'string', default: 'updateStatus' }, capacity: { type: 'string', default: '1000' } },
});
const { op } = values;
const capacity = Number(values.capacity);
if (positionals.length !== 2 || !['updateStatus', 'claim', 'claimNext', 'get'].includes(op) || !Number.isInteger(capacity) || capacity < 100) {
  process.stderr.write('usage: node scripts/ab-store.mjs <dist of build A> <dist of build B> [--op updateStatus|claim|claimNext|get] [--capacity N >= 100]\n');
  process.exit(2);
}
const fill = Math.floor(capacity * 0.9);
const JOBS = 100;
let touched = 0;
const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
const [A, B] = await Promise.all(positionals.map(load));

/** One batch of the op on JOBS jobs of this build's store; ns per call. */
function side(mod) {
  const store = mod.JobStore.create({ capacity });
  const ids = [];
  for (let i = 0; i < fill; i++) {
    ids.push(`job-${i}`);
    store.create(`job-${i}`);
  }
  let cursor = 0;
  const picked = new Array(JOBS).fill('');
  return () => {
    for (let i = 0; i < JOBS; i++) {
      cursor = (cursor + 7919) % fill;
      picked[i] = ids[cursor];
      // Read the id untimed, as the bench's pick() does: at 1,000,000 jobs
      // the string itself would otherwise be one more cold access per call.
      touched ^= picked[i].charCodeAt(picked[i].length - 1);
    }
    const t0 = performance.now();
    if (op === 'get') for (const id of picked) store.get(id);
    else if (op === 'claim') for (const id of picked) store.claim(id);
    else if (op === 'claimNext') for (let i = 0; i < JOBS; i++) picked[i] = store.claimNext().id;
    else {
      for (const id of picked) {
        store.updateStatus(id, 'processing');
        store.updateStatus(id, 'pending');
      }
    }
    const ns = ((performance.now() - t0) * 1e6) / (op === 'updateStatus' ? 2 * JOBS : JOBS);
    if (op === 'claim' || op === 'claimNext') for (const id of picked) store.updateStatus(id, 'pending');
    return ns;
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
if (touched === -1) console.log('');
console.log(`${op} at ${capacity} jobs, ns per call: A ${median(as).toFixed(0)}, B ${median(bs).toFixed(0)}; B / A ${median(ratios).toFixed(3)} (median of ${ratios.length} rounds)`);
