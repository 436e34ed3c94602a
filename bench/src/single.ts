/**
 * Single-thread lock figures: the hardware floor (a bare compareExchange +
 * store pair) and our Mutex, uncontended. Bodies run `microBatch` operations
 * per tinybench iteration so the timer read is amortised; figures are per op.
 */
import { Mutex } from '@atomic-jobs/store';
import type { BenchConfig } from './config.js';
import type { Matcher } from './filter.js';
import { measure } from './measure.js';
import type { SingleResult } from './results.js';

export async function runLockSingles(cfg: BenchConfig, matches: Matcher): Promise<SingleResult[]> {
  const B = cfg.microBatch;
  const out: SingleResult[] = [];
  const buffer = new SharedArrayBuffer(128);
  const word = new Int32Array(buffer, 64, 1);
  const m = new Mutex(buffer, 0);
  let x = 0;
  const inc = (): void => {
    x++;
  };
  const tasks: [string, () => void, string][] = [
    [
      'single/cas-store-pair',
      () => {
        for (let i = 0; i < B; i++) {
          Atomics.compareExchange(word, 0, 0, 1);
          Atomics.store(word, 0, 0);
        }
      },
      'Atomics.compareExchange(0 -> 1) + Atomics.store(0) on one word: the least a lock+unlock can cost',
    ],
    [
      'single/mutex-lock-unlock',
      () => {
        for (let i = 0; i < B; i++) {
          m.lock();
          m.unlock();
        }
      },
      'Mutex.lock() + unlock(), uncontended, empty critical section',
    ],
    [
      'single/mutex-trylock-unlock',
      () => {
        for (let i = 0; i < B; i++) {
          m.tryLock();
          m.unlock();
        }
      },
      'Mutex.tryLock() (succeeds) + unlock()',
    ],
    [
      'single/mutex-withlock',
      () => {
        for (let i = 0; i < B; i++) m.withLock(inc);
      },
      'Mutex.withLock(fn), fn increments a variable (compare with Atomics.Mutex.lock(m, fn))',
    ],
  ];
  for (const [name, fn, what] of tasks) {
    if (!matches(name)) continue;
    out.push(await measure(cfg, name, fn, { ops: B, what }));
  }
  if (m.isHeldByMe || x < 0) throw new Error('single/mutex: the lock was left held');
  return out;
}
