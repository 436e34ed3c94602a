/**
 * The checker rejects histories that no sequential order explains, and its
 * report names the failing partition, the operations, and expected vs observed.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel, renderHtml, renderSvg, type Model } from '@atomic-jobs/checker';
import { claim, claimNext, create, fails, get, job, none, op, remove, update } from './helpers/history.js';

const model = jobStoreModel();

describe('check() rejects non-linearizable JobStore histories', () => {
  it('two claims that do not overlap cannot both win', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(2, 4, 5, claim('a'), job('a', 'processing', 1, 2)),
    ];
    const r = check(model, h);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.partition).toBe('job "a"');
    expect(r.violation?.blocked.map((b) => b.expected)).toEqual(['undefined']);
    expect(r.violation?.text).toContain('NOT LINEARIZABLE');
    expect(r.violation?.text).toContain('the model expects undefined');
  });

  it('two overlapping claims cannot both win either', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 2, 10, claim('a'), job('a', 'processing', 1, 2)),
      op(2, 3, 9, claim('a'), job('a', 'processing', 1, 2)),
    ];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('a read cannot see a value that was never written', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(1, 4, 6, update('a', 'failed', 'boom'), job('a', 'failed', 1, 3, 'boom')),
      op(2, 5, 7, get('a'), job('a', 'failed', 1, 3, 'bang')),
    ];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('a read after a completed write cannot return the old value (stale read)', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 4, 5, update('a', 'completed'), job('a', 'completed', 1, 3)),
      op(1, 6, 7, get('a'), job('a', 'processing', 1, 2)),
    ];
    const r = check(model, h);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.blocked[0]?.observed).toContain('processing');
    expect(r.violation?.blocked[0]?.expected).toContain('completed');
  });

  it('an error is accepted only where the model would throw it', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 2, 3, remove('a'), fails('ERR_JOB_PROCESSING')),
    ];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('a fenced update with a stale attempt must fail with ERR_STALE_CLAIM', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 4, 5, update('a', 'pending'), job('a', 'pending', 1, 3)),
      op(1, 6, 7, claim('a'), job('a', 'processing', 2, 4)),
      // Thread 0 still believes it owns attempt 1: the store must refuse.
      op(0, 8, 9, update('a', 'completed', undefined, 1), job('a', 'completed', 2, 5)),
    ];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('claimNext must take the oldest pending job (whole-store check)', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, create('b'), job('b', 'pending', 0, 1)),
      op(1, 4, 5, claimNext, job('b', 'processing', 1, 2)),
    ];
    const r = check(model, h);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.partition).toBe('the whole store (2 jobs)');
    expect(r.notes.join('\n')).toContain('touch several jobs');
  });

  it('claimNext returning undefined while a job is pending throughout is rejected', () => {
    const h = [op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)), op(1, 2, 3, claimNext, none)];
    expect(check(model, h).verdict).toBe('violation');
  });

  it('minimises the witness (failing partition, shortest prefix, cut) and draws it', () => {
    const h = [op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)), op(0, 0, 1, create('b'), job('b', 'pending', 0, 1))];
    // Forty correct operations on "b" and "a", then the double claim of "a", then more noise.
    for (let i = 0; i < 20; i++) h.push(op(1, 2 + 2 * i, 3 + 2 * i, get('b'), job('b', 'pending', 0, 1)));
    h.push(op(2, 50, 51, claim('a'), job('a', 'processing', 1, 2)));
    h.push(op(3, 52, 53, claim('a'), job('a', 'processing', 1, 2)));
    for (let i = 0; i < 20; i++) h.push(op(1, 60 + 2 * i, 61 + 2 * i, get('a'), job('a', 'processing', 1, 2)));
    const r = check(model, h);
    expect(r.verdict).toBe('violation');
    const v = r.violation;
    if (v === undefined) throw new Error('no violation');
    expect(v.partition).toBe('job "a"');
    expect(v.originalOperations).toBe(23);
    // The reads after the second claim are cut off, and the create and first claim
    // (answered before the second was invoked) become the start state: one operation is left.
    expect(v.ops.length).toBe(1);
    expect(v.skipped).toBe(2);
    expect(v.startStates).toEqual(['{"a" processing attempts 1/3 v2}; pending queue []; retry list []']);
    expect(v.text).toContain('It starts after 2 earlier operations');
    expect(v.blocked[0]?.expected).toBe('undefined');
    expect(renderSvg(model, v.ops)).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(renderHtml(model, v)).toContain('NOT LINEARIZABLE');
  });
});

describe('check() on another model (a read/write register)', () => {
  type In = { kind: 'write'; v: number } | { kind: 'read' };
  const register: Model<number, In, number> = {
    init: () => 0,
    step: (s, input, out) => (input.kind === 'write' ? { ok: true, state: input.v } : { ok: typeof out === 'symbol' || out === s, state: s }),
    hash: (s) => String(s),
  };

  it('rejects a read of a value never written and accepts a read of an overlapping write', () => {
    const bad = [
      { thread: 0, call: 0, ret: 1, input: { kind: 'write', v: 1 } as In, output: 0 },
      { thread: 1, call: 2, ret: 3, input: { kind: 'read' } as In, output: 2 },
    ];
    const good = [
      { thread: 0, call: 0, ret: 10, input: { kind: 'write', v: 1 } as In, output: 0 },
      { thread: 1, call: 2, ret: 3, input: { kind: 'read' } as In, output: 1 },
      { thread: 2, call: 4, ret: 5, input: { kind: 'read' } as In, output: 1 },
    ];
    expect(check(register, bad).verdict).toBe('violation');
    expect(check(register, good).verdict).toBe('ok');
  });

  it('a cut with several possible start states must fail from each of them', () => {
    // Two overlapping writes, then (after both returned) a read of 3.
    // Before the cut the register is 1 or 2; the read fails from both.
    const h = [
      { thread: 0, call: 0, ret: 10, input: { kind: 'write', v: 1 } as In, output: 0 },
      { thread: 1, call: 1, ret: 9, input: { kind: 'write', v: 2 } as In, output: 0 },
      { thread: 2, call: 11, ret: 12, input: { kind: 'read' } as In, output: 3 },
    ];
    const r = check(register, h);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.skipped).toBe(2);
    expect([...(r.violation?.startStates ?? [])].sort()).toEqual(['1', '2']);
  });

  it('rejects a read that goes back in time (new value, then the old one)', () => {
    const h = [
      { thread: 0, call: 0, ret: 10, input: { kind: 'write', v: 1 } as In, output: 0 },
      { thread: 1, call: 1, ret: 2, input: { kind: 'read' } as In, output: 1 },
      { thread: 1, call: 3, ret: 4, input: { kind: 'read' } as In, output: 0 },
    ];
    expect(check(register, h).verdict).toBe('violation');
  });
});
