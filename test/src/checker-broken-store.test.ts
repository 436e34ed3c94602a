/**
 * Histories recorded from real threads: the checker rejects the one from a
 * deliberately broken store (check-then-set claim, the race forced with
 * Atomics) and accepts the one from the real store under the same schedule.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, type JobStatus } from '@atomic-jobs/store';
import { check, jobStoreModel, jobView, type JobInput, type JobOutput, type Operation } from '@atomic-jobs/checker';
import { BrokenStore } from '../fixtures/broken-store.js';
import type { BrokenClaimData, ClaimRecord } from '../fixtures/broken-claim-worker.js';
import { newControl } from '../fixtures/store-sync.js';
import { runTogether } from './helpers/threads.js';

const THREADS = 3;
const ids = ['a'];

function output(r: ClaimRecord['result']): JobOutput {
  return { value: r === null ? null : { ...r, status: r.status as JobStatus } };
}

async function recordClaims(kind: 'broken' | 'real'): Promise<Operation<JobInput, JobOutput>[]> {
  const clockBase = process.hrtime.bigint();
  const now = (): number => Number(process.hrtime.bigint() - clockBase) / 1000;
  const buffer = new SharedArrayBuffer(BrokenStore.bytes(ids.length));
  const real = JobStore.create({ capacity: 4 });
  // The create is part of the history too, recorded on the same clock.
  const call = now();
  const created = kind === 'broken' ? new BrokenStore(buffer, ids).create('a', 3) : jobView(real.create('a', { maxRetries: 3 }));
  const history: Operation<JobInput, JobOutput>[] = [
    { thread: 'main', call, ret: now(), input: { op: 'create', id: 'a', maxRetries: 3 }, output: { value: created } },
  ];
  const ctrl = newControl();
  const rendezvous = new Int32Array(new SharedArrayBuffer(4));
  const data: BrokenClaimData = { kind, ids, buffer, handle: real.handle, ctrl, rendezvous, threads: THREADS, id: 'a', clockBase };
  const records = await runTogether<ClaimRecord>(Array.from({ length: THREADS }, () => ({ fixture: 'broken-claim-worker', data })), ctrl);
  records.forEach((r, t) => history.push({ thread: t, call: r.call, ret: r.ret, input: { op: 'claim', id: 'a' }, output: output(r.result) }));
  // A read after every claim returned, from the main thread.
  const readAt = now();
  const seen = kind === 'broken' ? new BrokenStore(buffer, ids).get('a') : real.get('a');
  history.push({ thread: 'main', call: readAt, ret: now(), input: { op: 'get', id: 'a' }, output: { value: seen ?? null } });
  return history;
}

describe('histories recorded from real threads', () => {
  it('the broken store lets every thread win the claim, and the checker says so', async () => {
    const history = await recordClaims('broken');
    const winners = history.filter((op) => op.input.op === 'claim' && op.output !== undefined && 'value' in op.output && op.output.value !== null);
    // The forced race really happened: more than one thread won.
    expect(winners.length).toBe(THREADS);
    const r = check(jobStoreModel(), history);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.text).toContain('claim("a")');
    expect(r.violation?.blocked.length).toBeGreaterThan(0);
  });

  it('the real store under the same schedule: one winner, linearizable', async () => {
    const history = await recordClaims('real');
    const winners = history.filter((op) => op.input.op === 'claim' && op.output !== undefined && 'value' in op.output && op.output.value !== null);
    expect(winners.length).toBe(1);
    expect(check(jobStoreModel(), history).verdict).toBe('ok');
  });
});
