/** An already-aborted signal refuses the lock even when it is free, and leaves it free. */
import { describe, expect, it } from 'vitest';
import { AbortedError, Mutex } from '@atomic-jobs/store';

describe('Mutex with an aborted signal', () => {
  it('lock() throws ERR_ABORTED on a free lock and does not take it', () => {
    const m = new Mutex(new SharedArrayBuffer(Mutex.BYTES));
    const signal = AbortSignal.abort('stop');
    expect(() => m.lock({ signal })).toThrow(AbortedError);
    expect(m.owner).toBeUndefined();
    expect(m.tryLock()).toBe(true);
    m.unlock();
  });

  it('lockAsync() rejects with ERR_ABORTED on a free lock and does not take it', async () => {
    const m = new Mutex(new SharedArrayBuffer(Mutex.BYTES));
    await expect(m.lockAsync({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(m.owner).toBeUndefined();
  });
});
