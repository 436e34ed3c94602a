/**
 * Operations whose outcome is unknown (Jepsen's :info) may take effect at any
 * instant after their invocation, or never; and a check that runs out of
 * budget answers 'unknown', never 'ok'.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@atomic-jobs/store';
import { check, jobStoreModel } from '@atomic-jobs/checker';
import { claim, create, get, job, none, op, update, type JobOp } from './helpers/history.js';

const model = jobStoreModel();
const created = op(0, 0, 1, create('a'), job('a', 'pending', 0, 1));

describe('unknown outcomes', () => {
  it('a killed claim may have taken effect...', () => {
    const h = [created, op(1, 2, undefined, claim('a')), op(2, 5, 6, get('a'), job('a', 'processing', 1, 2))];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('...or not', () => {
    const h = [created, op(1, 2, undefined, claim('a')), op(2, 5, 6, get('a'), job('a', 'pending', 0, 1))];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('...and may take effect long after every other operation of its thread', () => {
    const h = [
      created,
      op(1, 2, undefined, claim('a')),
      op(2, 5, 6, get('a'), job('a', 'pending', 0, 1)),
      op(2, 7, 8, get('a'), job('a', 'processing', 1, 2)),
    ];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('but never before its invocation', () => {
    const h = [created, op(2, 2, 3, get('a'), job('a', 'processing', 1, 2)), op(1, 4, undefined, claim('a'))];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('and at most once', () => {
    const h = [
      created,
      op(1, 2, undefined, claim('a')),
      op(2, 3, 4, get('a'), job('a', 'processing', 1, 2)),
      op(2, 5, 6, update('a', 'pending'), job('a', 'pending', 1, 3)),
      op(2, 7, 8, get('a'), job('a', 'processing', 2, 4)),
    ];
    expect(check(model, h).verdict).toBe('violation');
  });
});

describe('budget', () => {
  /** Many concurrent unknown claims and reads: a search space far beyond a tiny budget. */
  function wide(n: number): JobOp[] {
    const h: JobOp[] = [created];
    for (let i = 0; i < n; i++) {
      h.push(op(i + 1, 2, undefined, update('a', i % 2 === 0 ? 'processing' : 'pending')));
      h.push(op(i + 1, 3 + i, 4 + i, get('a'), none));
    }
    return h;
  }

  it('a search that runs out of steps says unknown, never ok', () => {
    const r = check(model, wide(12), { maxSteps: 50, minimize: false });
    expect(r.verdict).toBe('unknown');
    expect(r.notes.join('\n')).toMatch(/gave up after \d+ steps/);
  });

  it('a search that runs out of time says unknown', () => {
    const r = check(model, wide(40), { timeoutMs: 0, minimize: false });
    expect(r.verdict).toBe('unknown');
  });

  it('the same history with enough budget gets a real verdict', () => {
    // get() -> undefined while the job exists is impossible: a violation.
    expect(check(model, wide(3)).verdict).toBe('violation');
  });

  it('bad options and histories are refused at the boundary', () => {
    expect(() => check(model, [created], { timeoutMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => check(model, [created], { maxSteps: Number.NaN })).toThrow(/options.maxSteps/);
    expect(() => check(model, 'nope' as unknown as JobOp[])).toThrow(/`history`/);
    expect(() => check(model, [{ ...created, ret: -5 }])).toThrow(/history\[0\].ret/);
  });
});
