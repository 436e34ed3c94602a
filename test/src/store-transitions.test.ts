/**
 * Every ordered pair of statuses driven through updateStatus, checked against
 * the table in the issue (written out here independently of TRANSITIONS),
 * plus the retry guard, retryFailed, claim and the FIFO order of claimNext.
 * Each case runs with both locking modes.
 */
import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, JOB_STATUSES, JobStore, TRANSITIONS, canTransition } from '@atomic-jobs/store';
import type { JobSnapshot, JobStatus, Locking } from '@atomic-jobs/store';

const MODES: readonly Locking[] = ['global', 'per-job'];

/** The table: pending->processing, processing->{completed,failed,pending}, failed->pending (guarded). */
const ALLOWED = new Set(['pending>processing', 'processing>completed', 'processing>failed', 'processing>pending', 'failed>pending']);

/** Bring a fresh job to `status` by allowed steps. Its attempts end at 1 (or 0 when pending). */
function jobIn(store: JobStore, id: string, status: JobStatus, maxRetries = 3): JobSnapshot {
  store.create(id, { maxRetries });
  if (status === 'pending') return store.get(id) as JobSnapshot;
  store.updateStatus(id, 'processing');
  if (status === 'processing') return store.get(id) as JobSnapshot;
  return store.updateStatus(id, status);
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('the transition table as data', () => {
  it('TRANSITIONS and canTransition match the issue for all 16 pairs', () => {
    expect(new Set(TRANSITIONS.map((t) => `${t.from}>${t.to}`))).toEqual(ALLOWED);
    expect(TRANSITIONS.filter((t) => t.guard !== undefined).map((t) => `${t.from}>${t.to}:${t.guard}`)).toEqual(['failed>pending:retries-left']);
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) expect(canTransition(from, to), `${from}>${to}`).toBe(ALLOWED.has(`${from}>${to}`));
    }
    expect(canTransition('failed', 'pending', { attempts: 2, maxRetries: 3 })).toBe(true);
    expect(canTransition('failed', 'pending', { attempts: 3, maxRetries: 3 })).toBe(false);
  });
});

describe.each(MODES)('updateStatus over every pair (locking %s)', (locking) => {
  for (const from of JOB_STATUSES) {
    for (const to of JOB_STATUSES) {
      const allowed = ALLOWED.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${allowed ? 'applied' : 'refused, changing nothing'}`, () => {
        const store = JobStore.create({ capacity: 4, locking });
        const before = jobIn(store, 'job', from);
        expect(before.status).toBe(from);
        expect(canTransition(from, to, before)).toBe(allowed);
        const countsBefore = store.counts();
        if (allowed) {
          const after = store.updateStatus('job', to);
          expect(after).toEqual({
            ...before,
            status: to,
            attempts: before.attempts + (to === 'processing' ? 1 : 0),
            version: before.version + 1,
            updatedAt: after.updatedAt,
          });
          expect(after.updatedAt).toBeGreaterThanOrEqual(before.updatedAt);
          expect(store.get('job')).toEqual(after);
          expect(store.counts()).toEqual({ ...countsBefore, [from]: countsBefore[from] - 1, [to]: countsBefore[to] + 1 });
        } else {
          const err = catchErr(() => store.updateStatus('job', to, 'must not be written'));
          expect(err).toBeInstanceOf(InvalidTransitionError);
          expect(err).toMatchObject({ code: 'ERR_INVALID_TRANSITION', id: 'job', from, to });
          expect(store.get('job')).toEqual(before);
          expect(store.counts()).toEqual(countsBefore);
        }
      });
    }
  }

  it.each([0, 1, 3])('failed -> pending only while attempts < maxRetries (maxRetries %i)', (maxRetries) => {
    const store = JobStore.create({ capacity: 2, locking });
    store.create('r', { maxRetries });
    for (let attempt = 1; ; attempt++) {
      store.updateStatus('r', 'processing');
      const failed = store.updateStatus('r', 'failed', `attempt ${attempt}`);
      expect(failed.attempts).toBe(attempt);
      expect(canTransition('failed', 'pending', failed)).toBe(attempt < maxRetries);
      if (attempt >= maxRetries) {
        const err = catchErr(() => store.updateStatus('r', 'pending'));
        expect(err).toMatchObject({ code: 'ERR_INVALID_TRANSITION', from: 'failed', to: 'pending' });
        expect(store.get('r')).toEqual(failed);
        expect(store.retryFailed()).toBe(0);
        expect(store.get('r')).toEqual(failed);
        // Every job gets at least its first attempt, so attempts ends at max(1, maxRetries).
        expect(attempt).toBe(Math.max(1, maxRetries));
        return;
      }
      const retried = store.updateStatus('r', 'pending');
      expect(retried).toMatchObject({ status: 'pending', attempts: attempt, version: failed.version + 1, lastError: `attempt ${attempt}` });
    }
  });

  it('retryFailed moves exactly the failed jobs with retries left', () => {
    const store = JobStore.create({ capacity: 8, locking });
    const retryable = jobIn(store, 'retryable', 'failed', 3); // attempts 1 < 3
    const exhausted = jobIn(store, 'exhausted', 'failed', 1); // attempts 1, not < 1
    const zero = jobIn(store, 'zero', 'failed', 0);
    const pending = jobIn(store, 'pending', 'pending');
    const processing = jobIn(store, 'processing', 'processing');
    const completed = jobIn(store, 'completed', 'completed');
    const retryable2 = jobIn(store, 'retryable2', 'failed', 2);
    expect(store.retryFailed()).toBe(2);
    for (const moved of [retryable, retryable2]) {
      expect(store.get(moved.id)).toMatchObject({ status: 'pending', attempts: 1, version: moved.version + 1 });
    }
    for (const untouched of [exhausted, zero, pending, processing, completed]) expect(store.get(untouched.id)).toEqual(untouched);
    expect(store.retryFailed()).toBe(0);
    expect(store.counts()).toEqual({ pending: 3, processing: 1, completed: 1, failed: 2, total: 7 });
    expect(store.list({ status: 'failed' }).map((s) => s.id).sort()).toEqual(['exhausted', 'zero']);
    expect(store.list({ status: 'pending' }).map((s) => s.id).sort()).toEqual(['pending', 'retryable', 'retryable2']);
  });

  it('claim moves a pending job and returns undefined for any other status, changing nothing', () => {
    const store = JobStore.create({ capacity: 8, locking });
    const p = jobIn(store, 'p', 'pending');
    const claimed = store.claim('p');
    expect(claimed).toEqual({ ...p, status: 'processing', attempts: 1, version: 2, updatedAt: claimed?.updatedAt });
    for (const status of ['processing', 'completed', 'failed'] as const) {
      const job = jobIn(store, status, status);
      expect(store.claim(status)).toBeUndefined();
      expect(store.get(status)).toEqual(job);
    }
    expect(store.claim('p')).toBeUndefined();
  });

  it('claimNext is FIFO: oldest first, given-back and retried jobs go to the tail', () => {
    const store = JobStore.create({ capacity: 8, locking });
    for (const id of ['a', 'b', 'c', 'd']) store.create(id, { maxRetries: 5 });
    expect(store.claimNext()?.id).toBe('a');
    store.updateStatus('a', 'pending'); // processing -> pending: re-queued at the tail
    expect(store.claimNext()?.id).toBe('b');
    store.updateStatus('b', 'failed'); // retries left: waits for the sweeper, not in the pending FIFO
    expect(store.claim('d')?.id).toBe('d'); // claimed out of order: leaves the middle of the FIFO
    store.create('e');
    expect(store.retryFailed()).toBe(1); // b re-queued behind e
    store.updateStatus('d', 'pending'); // d behind b
    const order: string[] = [];
    for (let s = store.claimNext(); s !== undefined; s = store.claimNext()) order.push(s.id);
    expect(order).toEqual(['c', 'a', 'e', 'b', 'd']);
    expect(store.claimNext()).toBeUndefined();
    expect(store.counts()).toMatchObject({ pending: 0, processing: 5, total: 5 });
    // Failed jobs are swept in the order they failed.
    for (const id of ['e', 'c', 'a']) store.updateStatus(id, 'failed');
    expect(store.retryFailed()).toBe(3);
    expect([store.claimNext()?.id, store.claimNext()?.id, store.claimNext()?.id]).toEqual(['e', 'c', 'a']);
  });
});
