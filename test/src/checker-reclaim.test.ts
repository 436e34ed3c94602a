/**
 * The checker's specification of reclaimStalled (with a `now` past every
 * lease): a call that returned n is n steps, each taking some processing job
 * back to pending. Which job each step took is left open until the rest of
 * the history tells (the model keeps every candidate state), and a history
 * no choice explains is rejected.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel, partitionJobHistory } from '@atomic-jobs/checker';
import { claim, claimNext, count, create, fails, get, job, op, seenAfterOneClaim, update, verdictsBySeen, type JobOp, type Seen } from './helpers/history.js';

const model = jobStoreModel();
const reclaim = (thread: number, call: number, ret: number | undefined, n?: number): JobOp =>
  op(thread, call, ret, { op: 'reclaimStalled' }, n === undefined ? undefined : count(n));

/** a and b created and claimed: both processing, attempts 1, version 2. */
const twoClaimed: JobOp[] = [
  op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
  op(0, 2, 3, create('b'), job('b', 'pending', 0, 1)),
  op(0, 4, 5, claim('a'), job('a', 'processing', 1, 2)),
  op(0, 6, 7, claim('b'), job('b', 'processing', 1, 2)),
];

describe('check() and reclaimStalled', () => {
  it('a call that returned n becomes n reclaimOne steps, checked against the whole store', () => {
    const parts = partitionJobHistory([...twoClaimed, reclaim(1, 8, 9, 2)]);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.ops.map((o) => o.input.op)).toEqual(['create', 'create', 'claim', 'claim', 'reclaimOne', 'reclaimOne']);
    // Nothing reclaimed: the call stays whole and constrains nothing.
    expect(partitionJobHistory([...twoClaimed, reclaim(1, 8, 9, 0)]).map((p) => p.label)).toEqual(['the whole store (2 jobs)']);
  });

  it('one of two processing jobs reclaimed: either may be the one, never both, never neither', () => {
    const after = (a: Seen, b: Seen): JobOp[] => [...twoClaimed, reclaim(1, 8, 9, 1), seenAfterOneClaim(0, 10, 'a', a), seenAfterOneClaim(0, 12, 'b', b)];
    expect(verdictsBySeen(after)).toEqual({
      'pending/processing': 'ok', 'processing/pending': 'ok', 'pending/pending': 'violation', 'processing/processing': 'violation',
    });
  });

  it('a reclaimed job keeps its attempts and its error, and goes to the back of the pending queue', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 4, 5, update('a', 'failed', 'boom'), job('a', 'failed', 1, 3, 'boom')),
      op(0, 6, 7, update('a', 'pending'), job('a', 'pending', 1, 4, 'boom')),
      op(0, 8, 9, claim('a'), job('a', 'processing', 2, 5, 'boom')),
      op(0, 10, 11, create('b'), job('b', 'pending', 0, 1)),
      reclaim(1, 12, 13, 1),
      op(0, 14, 15, claimNext, job('b', 'processing', 1, 2)),
      op(0, 16, 17, claimNext, job('a', 'processing', 3, 7, 'boom')),
    ];
    expect(check(model, h).verdict).toBe('ok');
    const reset = [...h.slice(0, -1), op(0, 16, 17, claimNext, job('a', 'processing', 1, 7, null))];
    expect(check(model, reset).verdict).toBe('violation');
  });

  it('the fencing token of a reclaimed claim is stale: a later fenced update tells which job was taken', () => {
    const fenced = (id: string, t: number, out: ReturnType<typeof job> | ReturnType<typeof fails>): JobOp =>
      op(0, t, t + 1, update(id, 'completed', undefined, 1), out);
    // a's token still works, so b was the one reclaimed: b's token must fail.
    const h = [...twoClaimed, reclaim(1, 8, 9, 1), fenced('a', 10, job('a', 'completed', 1, 3)), fenced('b', 12, fails('ERR_STALE_CLAIM'))];
    expect(check(model, h).verdict).toBe('ok');
    // Both tokens working means nothing was reclaimed: the sweep's 1 is then impossible.
    const both = [...twoClaimed, reclaim(1, 8, 9, 1), fenced('a', 10, job('a', 'completed', 1, 3)), fenced('b', 12, job('b', 'completed', 1, 3))];
    expect(check(model, both).verdict).toBe('violation');
  });

  it('reclaiming more jobs than were processing is rejected', () => {
    expect(check(model, [...twoClaimed, reclaim(1, 8, 9, 3)]).verdict).toBe('violation');
    const idle = [op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)), reclaim(1, 2, 3, 1)];
    expect(check(model, idle).verdict).toBe('violation');
  });

  it('a sweep overlapping a claim may have reclaimed that claim', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      reclaim(1, 2, 9, 1),
      op(0, 3, 4, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 10, 11, get('a'), job('a', 'pending', 1, 3)),
    ];
    expect(check(model, h).verdict).toBe('ok');
    // ...but not one made after the sweep returned.
    const later = [h[0] as JobOp, reclaim(1, 2, 3, 1), op(0, 4, 5, claim('a'), job('a', 'processing', 1, 2))];
    expect(check(model, later).verdict).toBe('violation');
  });

  it('a sweep whose thread died reclaimed any number of the processing jobs, or none', () => {
    const after = (a: Seen, b: Seen): JobOp[] => [...twoClaimed, reclaim(1, 8, undefined), seenAfterOneClaim(0, 10, 'a', a), seenAfterOneClaim(0, 12, 'b', b)];
    expect(verdictsBySeen(after)).toEqual({ 'pending/processing': 'ok', 'processing/pending': 'ok', 'pending/pending': 'ok', 'processing/processing': 'ok' });
  });
});
