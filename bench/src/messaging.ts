/**
 * Single-thread message round trips: the comlink baseline's updateStatus
 * (what a Node developer would build instead of shared memory) and a bare
 * postMessage ping-pong with a worker (the floor under any message design).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { JobStatus } from '@atomic-jobs/store';
import type { ComlinkBaseline } from '@atomic-jobs/workers';
import type { BenchConfig } from './config.js';
import type { Matcher } from './filter.js';
import { measure } from './measure.js';
import type { SingleResult } from './results.js';

const ECHO_URL = new URL('./echo-worker.js', import.meta.url);

export async function runMessaging(cfg: BenchConfig, matches: Matcher, baseline: () => Promise<ComlinkBaseline>): Promise<SingleResult[]> {
  const out: SingleResult[] = [];
  if (matches('single/comlink-updateStatus')) {
    const { store } = await baseline();
    const id = 'single-0';
    await store.create(id);
    let next: JobStatus = 'processing';
    out.push(await measure(cfg, 'single/comlink-updateStatus', async () => {
      await store.updateStatus(id, next);
      next = next === 'pending' ? 'processing' : 'pending';
    }, { ops: 1, async: true, what: 'await updateStatus(id) on the comlink baseline, toggling processing <-> pending' }));
  }
  if (matches('single/postmessage-roundtrip')) {
    const echo = new Worker(ECHO_URL);
    await once(echo, 'online');
    let resolve: (() => void) | undefined;
    echo.on('message', () => resolve?.());
    try {
      out.push(await measure(cfg, 'single/postmessage-roundtrip', () => new Promise<void>((r) => {
        resolve = r;
        echo.postMessage(1);
      }), { ops: 1, async: true, what: 'postMessage(1) to a worker that posts it back, until it arrives' }));
    } finally {
      await echo.terminate();
    }
  }
  return out;
}
