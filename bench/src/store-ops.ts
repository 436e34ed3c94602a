/**
 * Single-thread store operations on a pre-filled store (per-job locking).
 * The store is filled once to 90 % of its capacity with pending jobs; the
 * jobs each iteration touches are picked with a fixed stride through them,
 * so at 1,000,000 jobs (~450 MB) the accesses miss the CPU caches as a real
 * queue's would. Untimed hooks restore the state after each iteration, so
 * every timed call is a valid one:
 *  - get:          B lookups of existing jobs;
 *  - create:       B new jobs (afterEach removes them again);
 *  - claim:        B claims of pending jobs (afterEach: updateStatus -> pending);
 *  - claimNext:    B claims of the pending-list head (afterEach: back to pending);
 *  - updateStatus: B jobs each pending -> processing -> pending: 2B calls,
 *                  the figure is the mean of the two transitions.
 */
import { JobStore } from '@atomic-jobs/store';
import type { BenchConfig } from './config.js';
import type { Matcher } from './filter.js';
import { measure } from './measure.js';
import { alternate, batches, pairedResult, type Rounds } from './alternate.js';
import type { PairedResult, SingleResult } from './results.js';

/** A prime, so stepping by it visits every job before repeating. */
const STRIDE = 7919;

export function capacityLabel(capacity: number): string {
  return capacity >= 1_000_000 ? `${capacity / 1_000_000}m` : capacity >= 1000 ? `${capacity / 1000}k` : String(capacity);
}

export const STORE_OPS = ['create', 'get', 'claim', 'claimNext', 'updateStatus'] as const;
export type StoreOp = (typeof STORE_OPS)[number];
/** The hardware floor beside the store ops at each capacity: one cold memory access. */
export const COLD_LINE = 'cold-line';
/** get() by an instance reading under locks (reads: 'locked', the only mode off x86-64), beside the seqlock's get. */
export const GET_LOCKED = 'get-locked';

let warmed = false;

/**
 * Run every measured store method a few thousand times on a throwaway store
 * first, so the first capacity measured does not pay for V8's tiering up
 * (which would flatter the larger one).
 */
export function warmStoreCode(): void {
  if (warmed) return;
  warmed = true;
  const store = JobStore.create({ capacity: 2048 });
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 200; i++) store.create(`w-${i}`);
    for (let i = 0; i < 200; i++) {
      const id = `w-${i}`;
      store.get(id);
      store.claim(id);
      store.updateStatus(id, 'pending');
      store.updateStatus(id, 'processing');
      store.updateStatus(id, 'pending');
    }
    for (let s = store.claimNext(); s !== undefined; s = store.claimNext()) store.updateStatus(s.id, 'completed');
    for (let i = 0; i < 200; i++) store.remove(`w-${i}`);
  }
}

export interface FilledStore {
  readonly store: JobStore;
  /** The jobs the next timed iteration touches, set by pick(). */
  readonly picked: string[];
  /** Their creation order (job-i was the i-th created), set by pick(). */
  readonly pickedAt: number[];
  /**
   * Untimed: pick the next `batch` jobs, a fixed stride apart, and read their
   * id strings, as a caller holds the id it is about to pass in its cache;
   * the timed part then measures the store, not the benchmark's id array
   * (at 1,000,000 jobs those strings are scattered over a large heap).
   */
  readonly pick: () => void;
}

/** Keeps the id reads in pick() from being optimised away. */
export let touched = 0;

/** A per-job store filled to 90 % of `capacity` with pending jobs `job-0`, `job-1`... */
export function filledStore(capacity: number, batch: number): FilledStore {
  const fill = Math.floor(capacity * 0.9);
  const store = JobStore.create({ capacity });
  const ids: string[] = [];
  for (let i = 0; i < fill; i++) {
    const id = `job-${i}`;
    ids.push(id);
    store.create(id);
  }
  let cursor = 0;
  const picked = new Array<string>(batch).fill('');
  const pickedAt = new Array<number>(batch).fill(0);
  const pick = (): void => {
    for (let i = 0; i < batch; i++) {
      cursor = (cursor + STRIDE) % fill;
      const id = ids[cursor] ?? '';
      picked[i] = id;
      pickedAt[i] = cursor;
      touched = (touched + id.charCodeAt(id.length - 1)) | 0;
    }
  };
  return { store, picked, pickedAt, pick };
}

/** One store op as a benchmark body: `fn` does `ops` calls; the hooks are untimed. */
export interface OpBody {
  readonly fn: () => void;
  readonly before?: () => void;
  readonly after?: () => void;
  readonly ops: number;
  readonly what: string;
}

/** `get` of each picked job by `store` (any instance attached to the filled store). */
function getPicked(store: JobStore, picked: readonly string[], B: number, miss: () => void): () => void {
  return () => {
    for (let i = 0; i < B; i++) if (store.get(picked[i] ?? '') === undefined) miss();
  };
}

/** The five store ops on one filled store, each leaving the store as it found it (through its untimed hooks). */
export function opBodies(fs: FilledStore, B: number, miss: () => void): Record<StoreOp, OpBody> {
  const { store, picked, pick } = fs;
  const fresh = Array.from({ length: B }, (_, i) => `new-${i}`);
  const claimed = new Array<string>(B).fill('');
  const back = (list: string[]) => (): void => {
    for (const id of list) store.updateStatus(id, 'pending');
  };
  return {
    get: {
      fn: getPicked(store, picked, B, miss),
      before: pick, ops: B, what: 'get(id) of an existing job (seqlock read, no lock)',
    },
    create: {
      fn: () => {
        for (let i = 0; i < B; i++) store.create(fresh[i] ?? '');
      },
      after: () => {
        for (const id of fresh) store.remove(id);
      },
      ops: B, what: 'create(id) into a 90 % full store',
    },
    claim: {
      fn: () => {
        for (let i = 0; i < B; i++) if (store.claim(picked[i] ?? '') === undefined) miss();
      },
      before: pick, after: back(picked), ops: B, what: 'claim(id) of a pending job',
    },
    claimNext: {
      fn: () => {
        for (let i = 0; i < B; i++) {
          const s = store.claimNext();
          if (s === undefined) miss();
          else claimed[i] = s.id;
        }
      },
      after: back(claimed), ops: B, what: 'claimNext() (head of the pending list)',
    },
    updateStatus: {
      fn: () => {
        for (let i = 0; i < B; i++) {
          const id = picked[i] ?? '';
          store.updateStatus(id, 'processing');
          store.updateStatus(id, 'pending');
        }
      },
      before: pick, ops: 2 * B, what: 'updateStatus(id, processing) and (id, pending), mean of the two',
    },
  };
}

export interface StoreOpsRun {
  readonly single: SingleResult[];
  readonly paired: PairedResult[];
}

/** Name of the alternating-rounds comparison of one op at the largest and the smallest capacity. */
export function storeSizesName(op: string): string {
  return `paired/store-large-vs-small/${op}`;
}

/**
 * Name of the floor under that comparison: the op at the smallest capacity
 * plus what one cold access costs at the largest, measured in the same rounds.
 */
export function storeFloorName(op: string): string {
  return `paired/store-one-cold-access/${op}`;
}

/**
 * Every store op at every capacity (tinybench tasks), the cold-line floor
 * beside them, then each op once more in alternating rounds at the largest
 * and the smallest capacity (paired.ts), for a ratio that the machine's
 * phase drift cannot decide.
 */
export async function runStoreOps(cfg: BenchConfig, matches: Matcher, log: (line: string) => void): Promise<StoreOpsRun> {
  const B = cfg.storeBatch;
  const single: SingleResult[] = [];
  const bodies = new Map<number, Record<StoreOp, OpBody>>();
  const colds = new Map<number, OpBody>();
  let misses = 0;
  const miss = (): void => {
    misses++;
  };
  const pairedWanted = STORE_OPS.filter((op) => matches(storeSizesName(op)));
  for (const capacity of cfg.storeCapacities) {
    const prefix = `single/store-${capacityLabel(capacity)}/`;
    const wanted = STORE_OPS.filter((op) => matches(prefix + op));
    const floor = matches(prefix + COLD_LINE);
    const getLocked = matches(prefix + GET_LOCKED);
    if (wanted.length === 0 && !floor && !getLocked && pairedWanted.length === 0) continue;
    log(`single thread: store ops at capacity ${capacityLabel(capacity)}`);
    const fill = Math.floor(capacity * 0.9);
    if (capacity - fill < B) throw new Error(`store capacity ${capacity} leaves fewer than ${B} free slots`);
    warmStoreCode();
    const t0 = performance.now();
    const fs = filledStore(capacity, B);
    log(`${prefix}: filled ${fill} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(fs.store.handle.buffer.byteLength / 2 ** 20).toFixed(0)} MiB)`);
    const ops = opBodies(fs, B, miss);
    bodies.set(capacity, ops);
    const cold = floor || pairedWanted.length > 0 ? coldBody(fs.store.handle.buffer.byteLength, capacity, fs) : undefined;
    if (cold !== undefined) colds.set(capacity, cold);
    for (const op of wanted) {
      const b = ops[op];
      single.push(await measure(cfg, prefix + op, b.fn, {
        ops: b.ops, what: b.what,
        ...(b.before === undefined ? {} : { beforeEach: b.before }),
        ...(b.after === undefined ? {} : { afterEach: b.after }),
      }));
    }
    if (floor && cold !== undefined) {
      single.push(await measure(cfg, prefix + COLD_LINE, cold.fn, { ops: cold.ops, what: cold.what, beforeEach: fs.pick }));
    }
    if (getLocked) {
      const locked = JobStore.attach(fs.store.handle, { reads: 'locked' });
      const fn = getPicked(locked, fs.picked, B, miss);
      single.push(await measure(cfg, prefix + GET_LOCKED, fn, { ops: B, what: "get(id) of an existing job by an instance with reads: 'locked' (takes the job's lock)", beforeEach: fs.pick }));
    }
  }
  const paired: PairedResult[] = [];
  const smallCap = Math.min(...cfg.storeCapacities);
  const largeCap = Math.max(...cfg.storeCapacities);
  const small = bodies.get(smallCap);
  const large = bodies.get(largeCap);
  const coldSmall = colds.get(smallCap);
  const coldLarge = colds.get(largeCap);
  if (small !== undefined && large !== undefined && coldSmall !== undefined && coldLarge !== undefined && small !== large) {
    if (pairedWanted.length > 0) log('single thread: store ops, largest vs smallest capacity in alternating rounds');
    const [sl, ll] = [capacityLabel(smallCap), capacityLabel(largeCap)];
    for (const op of pairedWanted) {
      // Each round also times one cold access at both capacities, so the
      // floor below comes from the same moments as the ratio it explains.
      const coldExtra: number[] = [];
      const r = await alternate(cfg.pairedRounds, () => opSide(small[op]), () => {
        const y = opSide(large[op]);
        coldExtra.push(opSide(coldLarge) - opSide(coldSmall));
        return y;
      });
      paired.push(pairedResult(storeSizesName(op), `A: ${op} at ${sl} jobs, B: at ${ll}, ${SIDE_BATCHES} batches of ${large[op].ops} calls each per round; ratio B / A`, r));
      // The rounds kept by alternate() are the last ones. One cold access per
      // job the batch touches, spread over its calls (updateStatus makes two per job).
      const perCall = coldLarge.ops / large[op].ops;
      const extra = coldExtra.slice(-r.aNs.length).map((x) => x * perCall);
      const floorRounds: Rounds = {
        aNs: r.aNs,
        bNs: r.aNs.map((a, i) => a + (extra[i] ?? 0)),
        ratios: r.aNs.map((a, i) => (a + (extra[i] ?? 0)) / a),
      };
      paired.push(pairedResult(storeFloorName(op), `A: ${op} at ${sl} jobs, B: A + one cold access per job touched (cold-line at ${ll} - at ${sl}), in the rounds of ${storeSizesName(op)}; ratio B / A: the least that ratio could be for an op that touches one cold line at ${ll}`, floorRounds));
    }
  }
  if (misses > 0) throw new Error(`store ops: ${misses} operations found no job: the measurement is invalid`);
  return { single, paired };
}

/** Batches per side in a round of the size comparison. */
const SIDE_BATCHES = 5;

/** One side of a round: `n` batches with their untimed hooks; the median batch, ns per call. */
export function opSide(b: OpBody, n = SIDE_BATCHES): number {
  return batches(n, b.ops, b.fn, b.before, b.after);
}

/**
 * The floor under a store op at this capacity: one load per picked job from
 * a separate SharedArrayBuffer as large as the store, at the same relative
 * position as the job's slot, each load's address depending on the previous
 * value (as a lookup's slot depends on its bucket), so misses do not overlap.
 * At 1,000 jobs this is a cache hit; at 1,000,000 a cache and TLB miss. A
 * store op that must touch k cold lines costs at least k of these.
 *
 * The words read hold varied values (their sign picks which of two words of
 * the line the next load reads), as a bucket's slot index does: a chain
 * through words that are all zero ran 1.6-1.7x faster per load at 1M on the
 * 2-core EPYC VM of the reference run (116-163 against 182-275 ns, the same
 * addresses in one process), for a reason this VM's lack of hardware counters
 * leaves open, and so understated what one cold access costs a lookup.
 */
function coldBody(byteLength: number, capacity: number, fs: FilledStore): OpBody {
  const i32 = new Int32Array(new SharedArrayBuffer(byteLength));
  const step = Math.floor(byteLength / capacity / 64) * 16;
  // Every page written once (so the first timed loads are not page faults),
  // and the two words each picked job can read given values of both signs
  // (a fixed xorshift sequence, so every run reads the same ones).
  for (let k = 0; k < i32.length; k += 1024) i32[k] = 1;
  let r = 0x9e3779b9 | 0;
  for (let job = 0; job < capacity; job++) {
    for (let w = 0; w < 2; w++) {
      r ^= r << 13;
      r ^= r >>> 17;
      r ^= r << 5;
      i32[job * step + w] = r;
    }
  }
  const { pickedAt } = fs;
  return {
    fn: () => {
      let x = 0;
      for (let i = 0; i < pickedAt.length; i++) x = i32[(pickedAt[i] ?? 0) * step + (x >>> 31)] ?? 0;
      touched = (touched + x) | 0;
    },
    before: fs.pick,
    ops: pickedAt.length,
    what: 'one dependent i32 load from a line of a buffer as large as the store, picked like the jobs: one cold access',
  };
}
