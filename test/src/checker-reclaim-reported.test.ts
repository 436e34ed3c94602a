/**
 * A sweep recorded job by job (what the store's onReclaimed reports): each
 * reported reclaim is a deterministic step, `reclaimJob(id)`, over the
 * instants between two reports, so the steps are ordered and the pending
 * queue order they leave is known; a reclaim left in flight by a death is
 * one `reclaimOne` that may or may not have happened.
 */
import { describe, expect, it } from 'vitest';
import { UNKNOWN, check, jobStoreModel } from '@atomic-jobs/checker';
import { claim, claimNext, count, create, job, op, seenAfterOneClaim, verdictsBySeen, type JobOp, type Seen } from './helpers/history.js';

const model = jobStoreModel();
const reclaimed = (thread: number, call: number, ret: number, id: string, attempts = 1, version = 3): JobOp =>
  op(thread, call, ret, { op: 'reclaimJob', id }, job(id, 'pending', attempts, version));
/** The end of a recorded sweep: nothing more reclaimed. */
const sweepEnd = (thread: number, call: number, ret: number): JobOp => op(thread, call, ret, { op: 'reclaimStalled' }, count(0));

const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** The jobs created and claimed, in order: all processing, attempts 1, version 2. */
function claimed(ids: readonly string[]): JobOp[] {
  return ids.flatMap((id, k) => [
    op(0, 4 * k, 4 * k + 1, create(id), job(id, 'pending', 0, 1)),
    op(0, 4 * k + 2, 4 * k + 3, claim(id), job(id, 'processing', 1, 2)),
  ]);
}

/** Every job claimed, then reclaimed in `order` by one recorded sweep from instant 100, then claimNext `next` times from 200. */
function sweptThenClaimed(order: readonly string[], next: readonly string[]): JobOp[] {
  const h = claimed(IDS);
  order.forEach((id, k) => h.push(reclaimed(1, 100 + k, 100.5 + k, id)));
  h.push(sweepEnd(1, 100 + order.length, 100.5 + order.length));
  next.forEach((id, k) => h.push(op(0, 200 + k, 200.5 + k, claimNext, job(id, 'processing', 2, 4))));
  return h;
}

describe('reclaims reported one by one', () => {
  it('fix the pending queue order: claimNext must follow it', () => {
    const order = ['c', 'a', 'f', 'b', 'e', 'd'];
    expect(check(model, sweptThenClaimed(order, order)).verdict).toBe('ok');
    expect(check(model, sweptThenClaimed(order, ['a', 'c', 'f', 'b', 'e', 'd'])).verdict).toBe('violation');
  });

  it('leave one candidate state, where a sweep known only by its count leaves one per queue order', () => {
    // Step the model through the sweep in sequence and count the store states it keeps.
    const candidates = (ops: readonly JobOp[]): number => {
      let s = model.init();
      for (const o of ops) {
        const r = model.step(s, o.input, o.output ?? UNKNOWN);
        expect(r.ok, o.note ?? o.input.op).toBe(true);
        s = r.state;
      }
      return s.alts.length;
    };
    const order = ['c', 'a', 'f', 'b', 'e', 'd'];
    expect(candidates([...claimed(IDS), ...order.map((id, k) => reclaimed(1, 100 + k, 100.5 + k, id))])).toBe(1);
    // The same six reclaims as the partitioner splits a count of 6: any processing job each time.
    const blind = Array.from({ length: 6 }, (): JobOp => op(1, 100, 101, { op: 'reclaimOne' }, count(1)));
    expect(candidates([...claimed(IDS), ...blind])).toBe(720);
  });

  it('a reported job must have been processing, and come back as the store leaves it', () => {
    const base = claimed(['a']);
    expect(check(model, [...base, reclaimed(1, 10, 11, 'a'), sweepEnd(1, 11, 12)]).verdict).toBe('ok');
    // A pending job reported reclaimed.
    expect(check(model, [...claimed(['a']).slice(0, 1), reclaimed(1, 10, 11, 'a', 0, 2)]).verdict).toBe('violation');
    // The same job reported twice.
    expect(check(model, [...base, reclaimed(1, 10, 11, 'a'), reclaimed(1, 11, 12, 'a', 1, 4)]).verdict).toBe('violation');
    // Attempts reset by the reclaim.
    expect(check(model, [...base, reclaimed(1, 10, 11, 'a', 0)]).verdict).toBe('violation');
  });

  it('a reclaim in flight when its thread died: one job may or may not have been taken back', () => {
    const after = (a: Seen, b: Seen): JobOp[] => [
      ...claimed(['a', 'b', 'c']),
      reclaimed(1, 20, 21, 'c'),
      op(1, 21, undefined, { op: 'reclaimOne' }),
      seenAfterOneClaim(0, 30, 'a', a),
      seenAfterOneClaim(0, 32, 'b', b),
    ];
    expect(verdictsBySeen(after)).toEqual({ 'processing/processing': 'ok', 'pending/processing': 'ok', 'processing/pending': 'ok', 'pending/pending': 'violation' });
  });
});
