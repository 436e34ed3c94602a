/**
 * Regression test for a linearizability bug the stress run found (global
 * locking, seed 20261129): claimNext() reads the pending list's head without
 * a lock and answers undefined when it is empty, but another thread's claim
 * unlinks the job from the list (moveList) before it writes the slot. In that
 * window claimNext() says "nothing pending" while get() still sees the job
 * pending: no order of the operations explains both. Forced here with the
 * store's fault hook; the history is judged by the checker. (Fixed by moving
 * list changes inside the slot's seqlock write: the get() issued from a third
 * thread during the pause now waits for the claim to finish.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { JobStore, type JobStatus, type Locking } from '@atomic-jobs/store';
import { check, jobStoreModel, jobView, type JobInput, type JobOutput, type Operation } from '@atomic-jobs/checker';
import { G_GETTING, G_PAUSED, G_RESUME, type PausedData } from '../fixtures/claimnext-gate.js';
import { sleep, startWorker, until } from './helpers/threads.js';

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

interface Posted {
  readonly call: number;
  readonly ret: number;
  readonly job: { id: string; status: JobStatus; attempts: number; maxRetries: number; lastError: string | null; version: number } | null;
}

describe.each<Locking>(['per-job', 'global'])('claimNext while another claim is between list and slot (%s locking)', (locking) => {
  it('the recorded history is linearizable', async () => {
    const clockBase = process.hrtime.bigint();
    const now = (): number => Number(process.hrtime.bigint() - clockBase) / 1000;
    const store = JobStore.create({ capacity: 4, locking });
    const h: Operation<JobInput, JobOutput>[] = [];
    const record = (input: JobInput, run: () => JobOutput): void => {
      const call = now();
      const output = run();
      h.push({ thread: 'main', call, ret: now(), input, output });
    };
    record({ op: 'create', id: 'a', maxRetries: 3 }, () => ({ value: jobView(store.create('a', { maxRetries: 3 })) }));

    const gate = new Int32Array(new SharedArrayBuffer(12));
    const data: PausedData = { handle: store.handle, gate, clockBase };
    const running = startWorker<Posted>('claimnext-paused', data);
    workers.push(running.worker);
    await until(() => Atomics.load(gate, G_PAUSED) === 1, 'the worker to pause inside claimNext');

    // The worker holds "a" half-claimed: unlinked from the pending list, the
    // slot mid-write, the queue lock held. A claimNext() and a get() from two
    // more threads, issued during the pause. (Not from this thread: a correct
    // store makes both wait for the paused worker, which only this thread can
    // release.)
    const others = (['claimNext', 'get'] as const).map((op) => {
      const r = startWorker<Posted>('claimnext-getter', { ...data, id: 'a', op });
      workers.push(r.worker);
      return { op, result: r.result };
    });
    await until(() => Atomics.load(gate, G_GETTING) === 2, 'both threads to start their calls');
    await sleep(20);

    Atomics.store(gate, G_RESUME, 1);
    Atomics.notify(gate, G_RESUME);
    const posted = await running.result;
    h.push({ thread: 'worker', call: posted.call, ret: posted.ret, input: { op: 'claimNext' }, output: { value: posted.job } });
    for (const [k, o] of others.entries()) {
      const got = await o.result;
      h.push({ thread: `other-${k}`, call: got.call, ret: got.ret, input: o.op === 'get' ? { op: 'get', id: 'a' } : { op: 'claimNext' }, output: { value: got.job } });
      expect(got.call).toBeLessThan(posted.ret);
    }

    const r = check(jobStoreModel(), h);
    expect(r.verdict, r.violation?.text).toBe('ok');
  });
});
