/**
 * The start gate: no thread passes before every party has arrived, the same
 * gate works again for a second pass, and a gate that cannot fill times out
 * with GateTimeoutError instead of hanging.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createGate } from '@atomic-jobs/workers';
import type { GateData } from '../fixtures/workers-gate.js';

const FIXTURE = new URL('../dist/fixtures/workers-gate.js', import.meta.url);

async function party(data: GateData): Promise<{ seen?: number[]; error?: string }> {
  const w = new Worker(FIXTURE, { workerData: data });
  // Listen for both at once: the exit can follow the message within the same turn.
  const [[msg]] = (await Promise.all([once(w, 'message'), once(w, 'exit')])) as [[{ seen?: number[]; error?: string }], unknown];
  return msg;
}

describe('start gate', () => {
  it('holds every thread until the last of 3 has arrived, twice', async () => {
    const gate = createGate(3);
    const arrivals = new SharedArrayBuffer(8);
    // Arrivals 0, 40 and 80 ms late: without the gate the early threads would see 1 or 2.
    const results = await Promise.all([0, 40, 80].map((delayMs) => party({ gate, arrivals, delayMs, timeoutMs: 10_000 })));
    for (const r of results) expect(r).toEqual({ seen: [3, 3] });
  });

  it('times out with GateTimeoutError when the race has more parties than threads', async () => {
    const gate = createGate(2);
    const r = await party({ gate, arrivals: new SharedArrayBuffer(8), delayMs: 0, timeoutMs: 100 });
    expect(r).toEqual({ error: 'GateTimeoutError' });
  });
});
