/**
 * The checker's two specifications of list(): under the global lock one
 * instant (`atomic: true`); per job (`atomic: false`) each job's snapshot at
 * its own instant within the call, which check() splits into one get per job.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel, partitionJobHistory, type JobOutput, type JobView } from '@atomic-jobs/checker';
import { create, job, op, update, type JobOp } from './helpers/history.js';

const model = jobStoreModel();
const view = (out: JobOutput): JobView => ('value' in out ? out.value : null) as JobView;
const list = (atomic: boolean, call: number, ret: number | undefined, jobs: JobOutput[]): JobOp =>
  op(1, call, ret, { op: 'list', atomic }, { value: jobs.map(view) });

/** a and b created; then thread 0 claims a ([10, 11]) and then b ([12, 13]) by updateStatus, while thread 1 lists over [5, 20]. */
function listedDuring(atomic: boolean, a: 'before' | 'after', b: 'before' | 'after'): JobOp[] {
  const seen = (id: string, when: 'before' | 'after'): JobOutput => (when === 'before' ? job(id, 'pending', 0, 1) : job(id, 'processing', 1, 2));
  return [
    op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
    op(0, 2, 3, create('b'), job('b', 'pending', 0, 1)),
    op(0, 10, 11, update('a', 'processing'), job('a', 'processing', 1, 2)),
    op(0, 12, 13, update('b', 'processing'), job('b', 'processing', 1, 2)),
    list(atomic, 5, 20, [seen('a', a), seen('b', b)]),
  ];
}

describe('check() and list', () => {
  it('one instant: before both changes, between them, or after both; never b changed and a not', () => {
    expect(check(model, listedDuring(true, 'before', 'before')).verdict).toBe('ok');
    expect(check(model, listedDuring(true, 'after', 'before')).verdict).toBe('ok');
    expect(check(model, listedDuring(true, 'after', 'after')).verdict).toBe('ok');
    expect(check(model, listedDuring(true, 'before', 'after')).verdict).toBe('violation');
  });

  it('per job: each job at its own instant, so that mixture is allowed too; a job that never was is not', () => {
    expect(check(model, listedDuring(false, 'before', 'after')).verdict).toBe('ok');
    const made = [...listedDuring(false, 'after', 'after').slice(0, -1), list(false, 5, 20, [job('a', 'processing', 1, 2), job('b', 'completed', 1, 3)])];
    expect(check(model, made).verdict).toBe('violation');
    // A job left out of the list must have been absent at some instant of the call.
    const missing = [...listedDuring(false, 'after', 'after').slice(0, -1), list(false, 5, 20, [job('a', 'processing', 1, 2)])];
    expect(check(model, missing).verdict).toBe('violation');
  });

  it('a per-job list is split into one get per job, so the history still splits per job; an unknown one is dropped', () => {
    const h = listedDuring(false, 'before', 'after');
    const parts = partitionJobHistory(h);
    expect(parts.map((p) => p.label)).toEqual(['job "a"', 'job "b"']);
    expect(parts.flatMap((p) => p.ops.map((o) => o.input.op))).toEqual(['create', 'updateStatus', 'get', 'create', 'updateStatus', 'get']);
    const unknown = [...h.slice(0, -1), list(false, 5, undefined, [])];
    expect(partitionJobHistory(unknown).flatMap((p) => p.ops.map((o) => o.input.op))).not.toContain('get');
    // One instant is a whole-store read.
    expect(partitionJobHistory(listedDuring(true, 'before', 'before')).map((p) => p.label)).toEqual(['the whole store (2 jobs)']);
  });
});
