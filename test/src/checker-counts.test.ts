/**
 * The checker's specification of counts(): jobs per status at one instant
 * (what a store under the global lock gives). An answer no instant of the
 * history explains is rejected; one that overlaps a change may show the
 * store before or after it, never a mixture of the two.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel, partitionJobHistory, type CountsView } from '@atomic-jobs/checker';
import { claim, create, job, op, update, type JobOp } from './helpers/history.js';

const model = jobStoreModel();
const counts = (thread: number, call: number, ret: number, c: CountsView): JobOp => op(thread, call, ret, { op: 'counts' }, { value: c });
const of = (pending: number, processing: number, completed = 0, failed = 0): CountsView => ({ pending, processing, completed, failed });

/** a and b created, a claimed: one pending, one processing. */
const base: JobOp[] = [
  op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
  op(0, 2, 3, create('b'), job('b', 'pending', 0, 1)),
  op(0, 4, 5, claim('a'), job('a', 'processing', 1, 2)),
];

describe('check() and counts', () => {
  it('counts the jobs per status, and is checked against the whole store', () => {
    expect(check(model, [...base, counts(1, 6, 7, of(1, 1))]).verdict).toBe('ok');
    expect(check(model, [...base, counts(1, 6, 7, of(2, 0))]).verdict).toBe('violation');
    expect(check(model, [...base, counts(1, 6, 7, of(1, 1, 1))]).verdict).toBe('violation');
    expect(partitionJobHistory([...base, counts(1, 6, 7, of(1, 1))]).map((p) => p.label)).toEqual(['the whole store (2 jobs)']);
  });

  it('overlapping a change, it shows the store before or after it, never a mixture', () => {
    // a: processing -> completed on thread 0, while thread 1 counts.
    const during = (c: CountsView): JobOp[] => [...base, op(0, 10, 20, update('a', 'completed'), job('a', 'completed', 1, 3)), counts(1, 11, 19, c)];
    expect(check(model, during(of(1, 1))).verdict).toBe('ok');
    expect(check(model, during(of(1, 0, 1))).verdict).toBe('ok');
    // Neither before (a processing) nor after (a completed): a torn count.
    expect(check(model, during(of(1, 0))).verdict).toBe('violation');
    expect(check(model, during(of(1, 1, 1))).verdict).toBe('violation');
  });
});
