/**
 * A read with a known answer that leaves the model's state as it was is
 * linearized greedily: when the search fails after it, no other candidate
 * is tried in its place. Reads overlapping each other then cost the search
 * steps in proportion to their number, not to the 2^k sets of them it could
 * have linearized, and every verdict stays the same. A call that changes
 * nothing only in the current state (a remove of a job not yet created,
 * outcome unknown) is not taken so: it may take effect later.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel } from '@atomic-jobs/checker';
import { create, get, job, op, update, type JobOp } from './helpers/history.js';

const model = jobStoreModel();

/** Job a created, then `k` gets on threads 1..k all overlapping [10, 100], seeing `seen`; then what `after` adds. */
function reads(k: number, seen: number, after: JobOp[]): JobOp[] {
  const h: JobOp[] = [op(0, 0, 1, create('a'), job('a', 'pending', 0, 1))];
  for (let t = 1; t <= k; t++) h.push(op(t, 10 + t / 100, 100, get('a'), job('a', seen === 1 ? 'pending' : 'processing', seen - 1, seen)));
  return [...h, ...after];
}

describe('greedy linearization of operations that change nothing', () => {
  it('keeps the search linear in overlapping reads, to the same violation', () => {
    // A later read sees a version no history gives: the search must try everything before saying so.
    const bad = [op(0, 200, 201, get('a'), job('a', 'pending', 0, 7))];
    const r = check(model, reads(14, 1, bad), { minimize: false });
    expect(r.verdict).toBe('violation');
    // 18 steps when this was written; 131,075 without the rule (every set of the 14 reads).
    expect(r.steps).toBeLessThan(500);
  });

  it('loses no linearization: reads of a value written while they run may see it before or after', () => {
    // Thread 0 claims a over [50, 60] while 14 reads overlap it: each may see version 1 or 2.
    const claim = op(0, 50, 60, { op: 'claim', id: 'a' }, job('a', 'processing', 1, 2));
    const h = reads(7, 1, [claim]);
    for (let t = 8; t <= 14; t++) h.push(op(t, 10 + t / 100, 100, get('a'), job('a', 'processing', 1, 2)));
    expect(check(model, h, { minimize: false }).verdict).toBe('ok');
    // A read of version 2 that returned before the claim began is a violation.
    const early = [...h, op(15, 20, 30, get('a'), job('a', 'processing', 1, 2))];
    expect(check(model, early, { minimize: false }).verdict).toBe('violation');
    // A refused update (not a read) among them: still ok.
    const refused = [...h, op(16, 5, 99, update('a', 'completed'), { error: 'ERR_INVALID_TRANSITION' })];
    expect(check(model, refused, { minimize: false }).verdict).toBe('ok');
  });

  it('does not take a call of unknown outcome that changes nothing only now: it may take effect later', () => {
    // Seed 1031 of the stress run: a remove of b, in flight when its thread
    // died, was invoked before b was created; a later call finds b gone. The
    // remove must be placed after the create, where it removes b.
    const h: JobOp[] = [
      op(0, 0, undefined, { op: 'remove', id: 'b' }),
      op(1, 10, 20, create('b'), job('b', 'pending', 0, 1)),
      op(1, 30, 40, get('b'), { value: null }),
    ];
    expect(check(model, h, { minimize: false }).verdict).toBe('ok');
    // With reads of b before the create overlapping the remove, too.
    for (let t = 2; t <= 6; t++) h.push(op(t, 1, 9, get('b'), { value: null }));
    expect(check(model, h, { minimize: false }).verdict).toBe('ok');
  });
});
