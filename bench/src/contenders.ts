/**
 * The contenders measured in the main process. (V8's Atomics.Mutex is
 * defined in v8-mutex-child.ts: it only exists under --harmony-struct.)
 */
import { JobStore, Mutex, type Locking } from '@atomic-jobs/store';
import type { ComlinkBaseline } from '@atomic-jobs/workers';
import type { ContenderDef, LockCounts, PreparedContender } from './contention.js';
import { DATA_BYTES, DATA_COUNTER, DATA_LOCK_BYTE, HOT_JOB, MAX_THREADS, QUEUE_JOBS, jobId, type ContenderKind, type StoreJobs } from './protocol.js';

/** Reset the shared counter before each round and tally what it should and did reach. */
export function counterRounds(data: SharedArrayBuffer): Pick<PreparedContender, 'beforeRound' | 'afterRound' | 'counter'> {
  const c = new Int32Array(data);
  let expected = 0;
  let got = 0;
  return {
    beforeRound: () => Atomics.store(c, DATA_COUNTER, 0),
    afterRound: (n) => {
      expected += n;
      got += Atomics.load(c, DATA_COUNTER);
    },
    counter: () => ({ expected, got }),
  };
}

export function counterContender(name: string, kind: Extract<ContenderKind, 'racy' | 'atomics-add' | 'mutex'>, latencyOf: string): ContenderDef {
  return {
    name,
    probeOps: 10_000,
    warmOps: 300_000,
    latencyOf,
    contention: kind === 'mutex' ? 'lock-stats' : 'none',
    prepare: () => {
      const data = new SharedArrayBuffer(DATA_BYTES);
      const mutex = new Mutex(data, DATA_LOCK_BYTE);
      const lockCounts = (): LockCounts => mutex.stats();
      return Promise.resolve({
        setupFor: () => ({ setup: { kind, data } }),
        ...counterRounds(data),
        ...(kind === 'mutex' ? { lockCounts } : {}),
      });
    },
  };
}

const LATENCY_OF: Record<StoreJobs, string> = {
  distinct: 'whole updateStatus call',
  hot: 'whole store call (claim, or updateStatus by the winner)',
  queue: 'whole store call (claimNext, or updateStatus putting the job back)',
};

function storeContender(locking: Locking, jobs: StoreJobs): ContenderDef {
  return {
    name: `store-${locking === 'global' ? 'global' : 'perjob'}-${jobs}`,
    probeOps: 1_000,
    warmOps: 20_000,
    latencyOf: LATENCY_OF[jobs],
    contention: 'lock-stats',
    prepare: () => {
      const store = JobStore.create({ capacity: 64, locking });
      if (jobs === 'queue') {
        for (let i = 0; i < QUEUE_JOBS; i++) store.create(`queued-${i}`);
      } else {
        store.create(HOT_JOB);
        for (let i = 0; i < MAX_THREADS; i++) store.create(jobId(i));
      }
      return Promise.resolve({
        setupFor: () => ({ setup: { kind: 'store', handle: store.handle, jobs } }),
        lockCounts: () => store.stats(),
      });
    },
  };
}

function comlinkContender(baseline: () => Promise<ComlinkBaseline>): ContenderDef {
  return {
    name: 'comlink',
    probeOps: 10,
    warmOps: 100,
    latencyOf: 'updateStatus round trip to the owner thread',
    contention: 'none',
    prepare: async () => {
      const b = await baseline();
      for (let i = 0; i < MAX_THREADS; i++) await b.store.create(jobId(i));
      return {
        setupFor: () => {
          const port = b.connect();
          return { setup: { kind: 'comlink', port }, transfer: [port] };
        },
      };
    },
  };
}

/** In run order: cheapest first, the comlink baseline last. */
export function mainContenders(baseline: () => Promise<ComlinkBaseline>): ContenderDef[] {
  return [
    counterContender('racy-increment', 'racy', 'the unlocked increment (timer overhead dominates)'),
    counterContender('atomics-add', 'atomics-add', 'one Atomics.add (timer overhead dominates)'),
    counterContender('mutex', 'mutex', 'lock() wait, until it returns'),
    storeContender('global', 'distinct'),
    storeContender('per-job', 'distinct'),
    storeContender('global', 'hot'),
    storeContender('per-job', 'hot'),
    storeContender('per-job', 'queue'),
    comlinkContender(baseline),
  ];
}
