/**
 * No starvation. A waiter that has waited past the threshold registers as
 * the heir and flags the lock word STARVING; the next unlock must hand the
 * lock to exactly that waiter, with no barging in between, however hard
 * other threads keep re-acquiring. Asserted on the order of critical
 * sections in a shared log (fixtures/mutex-starvation.ts), never on time.
 */
import { describe, expect, it } from 'vitest';
import { Mutex } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import {
  ENTRY_HEIR, ENTRY_OWNER, ENTRY_WORDS, LOG_LEN, LOG_START, logWords, type StarvationData, type StarvationResult,
} from '../fixtures/mutex-starvation.js';

const PER_THREAD = 20_000;
/** Log entries produced before the victim calls lock(). */
const WARM_UP = 200;

interface Entry {
  readonly owner: number;
  readonly heir: number;
}

interface Trial {
  readonly log: Entry[];
  readonly victim: number;
  readonly victimAt: number;
  /** Indexes of sections that ended with STARVING set. */
  readonly flagged: number[];
}

async function trial(others: 'barger' | 'trier', count: number, forced: boolean): Promise<Trial> {
  const buffer = new SharedArrayBuffer(Mutex.BYTES + 4 * logWords(count * PER_THREAD + 1));
  const ctrl = newControl();
  const specs = [
    ...Array.from({ length: count }, () => ({ fixture: 'mutex-starvation', data: { ctrl, buffer, role: others, count: PER_THREAD, forced } satisfies StarvationData })),
    { fixture: 'mutex-starvation', data: { ctrl, buffer, role: 'victim', count: WARM_UP, forced } satisfies StarvationData },
  ];
  const results = await runTogether<StarvationResult>(specs, ctrl);
  const i32 = new Int32Array(buffer);
  const log: Entry[] = [];
  for (let n = 0; n < (i32[LOG_LEN] ?? 0); n++) {
    const at = LOG_START + n * ENTRY_WORDS;
    log.push({ owner: i32[at + ENTRY_OWNER] ?? -1, heir: i32[at + ENTRY_HEIR] ?? -1 });
  }
  // The log is complete: one entry per section every thread reported.
  expect(log).toHaveLength(results.reduce((n, r) => n + r.sections, 0));
  const victim = results[count]?.ownerId ?? -1;
  const flagged = log.flatMap((e, i) => (e.heir !== 0 ? [i] : []));
  return { log, victim, victimAt: log.findIndex((e) => e.owner === victim), flagged };
}

/** Every section that ended with STARVING set is followed directly by a section of the heir it named. */
function expectHandoffs(t: Trial): void {
  for (const i of t.flagged) {
    expect({ at: i, next: t.log[i + 1]?.owner }).toEqual({ at: i, next: t.log[i]?.heir });
  }
}

describe('Mutex starvation mode', () => {
  it('forced: a victim starved while tryLock newcomers hammer the lock gets it at the very next unlock', async () => {
    for (let t = 0; t < 3; t++) {
      const r = await trial('trier', 3, true);
      expect(r.log.filter((e) => e.owner === r.victim)).toHaveLength(1);
      // Exactly one starvation episode: the victim's, ending in its section.
      expect(r.flagged).toHaveLength(1);
      const at = r.flagged[0] ?? -1;
      expect(r.log[at]?.heir).toBe(r.victim);
      expect(r.victimAt).toBe(at + 1);
      expect(r.victimAt).toBeLessThan(r.log.length);
      expectHandoffs(r);
    }
  });

  it('free-running: with 3 lock() bargers, whoever starves is handed the lock next, and the victim gets it while they still run', async () => {
    for (let t = 0; t < 3; t++) {
      const r = await trial('barger', 3, false);
      expect(r.log.filter((e) => e.owner === r.victim)).toHaveLength(1);
      expect(r.victimAt).toBeGreaterThanOrEqual(WARM_UP);
      // Not left waiting until the contention simply ended.
      expect(r.victimAt).toBeLessThan(3 * PER_THREAD);
      expectHandoffs(r);
    }
  });
});
