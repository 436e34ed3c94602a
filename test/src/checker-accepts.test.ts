/**
 * The checker accepts linearizable histories, including ones whose only
 * linearization reorders overlapping operations against their invocation order.
 */
import { describe, expect, it } from 'vitest';
import { check, jobStoreModel, partitionJobHistory } from '@atomic-jobs/checker';
import { claim, claimNext, count, create, fails, get, job, no, none, op, remove, update, yes } from './helpers/history.js';

const model = jobStoreModel();

describe('check() accepts linearizable JobStore histories', () => {
  it('a sequential lifecycle with every kind of answer', () => {
    const h = [
      op(0, 0, 1, create('a', 1), job('a', 'pending', 0, 1, null, 1)),
      op(0, 2, 3, create('a'), fails('ERR_DUPLICATE_JOB')),
      op(0, 4, 5, claim('a'), job('a', 'processing', 1, 2, null, 1)),
      op(0, 6, 7, claim('a'), none),
      op(0, 8, 9, remove('a'), fails('ERR_JOB_PROCESSING')),
      op(0, 10, 11, update('a', 'failed', 'boom', 1), job('a', 'failed', 1, 3, 'boom', 1)),
      // maxRetries 1: no retry left.
      op(0, 12, 13, update('a', 'pending'), fails('ERR_INVALID_TRANSITION')),
      op(0, 14, 15, get('a'), job('a', 'failed', 1, 3, 'boom', 1)),
      op(0, 16, 17, remove('a'), yes),
      op(0, 18, 19, remove('a'), no),
      op(0, 20, 21, get('a'), none),
      op(0, 22, 23, claim('a'), fails('ERR_JOB_NOT_FOUND')),
    ];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('two overlapping claims: the one invoked later may win', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 2, 10, claim('a'), none),
      op(2, 3, 9, claim('a'), job('a', 'processing', 1, 2)),
    ];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('a read inside a write sees either value; later reads must agree with the order chosen', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 4, 20, update('a', 'completed'), job('a', 'completed', 1, 3)),
      op(1, 5, 6, get('a'), job('a', 'completed', 1, 3)),
      op(2, 7, 8, get('a'), job('a', 'completed', 1, 3)),
    ];
    expect(check(model, h).verdict).toBe('ok');
    // ...but once a read has seen the new value, a later read cannot see the old one.
    const back = [...h, op(3, 9, 10, get('a'), job('a', 'processing', 1, 2))];
    expect(check(model, back).verdict).toBe('violation');
  });

  it('a claim answered before the create returned (the create took effect first)', () => {
    const h = [
      op(0, 0, 10, create('a'), job('a', 'pending', 0, 1)),
      op(1, 1, 2, claim('a'), job('a', 'processing', 1, 2)),
      op(2, 3, 4, update('a', 'completed', null, 1), job('a', 'completed', 1, 3)),
    ];
    expect(check(model, h).verdict).toBe('ok');
  });

  it('per-job partitions when no operation touches several jobs', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(1, 0, 1, create('b'), job('b', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(1, 2, 3, claim('b'), job('b', 'processing', 1, 2)),
    ];
    const r = check(model, h);
    expect(r.verdict).toBe('ok');
    expect(r.partitions.map((p) => p.label)).toEqual(['job "a"', 'job "b"']);
  });

  it('claimNext and atomic retryFailed, checked whole with FIFO order', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, create('b'), job('b', 'pending', 0, 1)),
      op(1, 4, 5, claimNext, job('a', 'processing', 1, 2)),
      op(1, 6, 7, claimNext, job('b', 'processing', 1, 2)),
      op(1, 8, 9, claimNext, none),
      op(1, 10, 11, update('b', 'failed', 'x'), job('b', 'failed', 1, 3, 'x')),
      op(1, 12, 13, update('a', 'failed', 'y'), job('a', 'failed', 1, 3, 'y')),
      op(2, 14, 15, { op: 'retryFailed', atomic: true }, count(2)),
      // Retried in failure order: b first.
      op(2, 16, 17, claimNext, job('b', 'processing', 2, 5, 'x')),
    ];
    const r = check(model, h);
    expect(r.verdict).toBe('ok');
    expect(r.partitions).toHaveLength(1);
  });

  it('a per-job retryFailed returning n is split into n retries, each checked', () => {
    const base = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, claim('a'), job('a', 'processing', 1, 2)),
      op(0, 4, 5, update('a', 'failed', 'x'), job('a', 'failed', 1, 3, 'x')),
    ];
    const sweep = (n: number): ReturnType<typeof op> => op(1, 6, 7, { op: 'retryFailed', atomic: false }, count(n));
    const parts = partitionJobHistory([...base, sweep(1)]);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.ops.map((o) => o.input.op)).toEqual(['create', 'claim', 'updateStatus', 'retryOne']);
    expect(check(model, [...base, sweep(1), op(0, 8, 9, get('a'), job('a', 'pending', 1, 4, 'x'))]).verdict).toBe('ok');
    // Two retries when only one job could be retried: impossible.
    expect(check(model, [...base, sweep(2)]).verdict).toBe('violation');
    // Zero constrains nothing in per-job mode (the sweep may race and stop early).
    expect(check(model, [...base, sweep(0)]).verdict).toBe('ok');
  });

  it('the store-full error is checked against the capacity when given', () => {
    const h = [
      op(0, 0, 1, create('a'), job('a', 'pending', 0, 1)),
      op(0, 2, 3, create('b'), fails('ERR_STORE_FULL')),
    ];
    expect(check(jobStoreModel({ capacity: 1 }), h).verdict).toBe('ok');
    expect(check(jobStoreModel({ capacity: 2 }), h).verdict).toBe('violation');
    expect(check(jobStoreModel(), h).verdict).toBe('violation');
  });
});
