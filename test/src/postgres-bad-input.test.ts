/**
 * Bad input gets the shared-memory store's typed errors (same class, code
 * and message) and changes nothing; hostile strings in ids and errors are
 * data, never SQL: every value travels as a bind parameter (ids and errors as
 * bytea), which this file proves by storing them and reading them back with
 * the table intact.
 *
 * NUL. PostgreSQL's text type cannot hold U+0000, so ids and lastError are
 * stored as bytea holding UTF-8: an id or an error containing NUL behaves
 * exactly as in the shared-memory store (accepted, stored, returned as is).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { PgJobStore } from '@atomic-jobs/postgres';
import { freshSchema, pgStore } from '../fixtures/postgres-server.js';
import { outcome } from '../fixtures/postgres-parity.js';

const SCHEMA = 'aj_test_bad_input';
let pg: PgJobStore;
let mem: JobStore;

beforeAll(async () => {
  await freshSchema(SCHEMA);
  pg = pgStore(SCHEMA, { maxIdBytes: 16, maxErrorBytes: 32 });
});
afterAll(async () => {
  await pg?.close();
});

const BAD_IDS: unknown[] = [
  undefined, null, 0, 42, true, {}, [], Symbol('id'), () => 'x', 10n,
  '', 'x'.repeat(17), 'é'.repeat(9), '😀'.repeat(5), '\uD800', 'a\uDC00b', new String('a'),
];
const HOSTILE = [
  "'; DROP TABLE jobs; --",
  "' OR '1'='1",
  '"; DROP SCHEMA aj_test_bad_input CASCADE; --',
  '\\x00\\\'',
  '$1, $2)',
  'a\0b',
  '\0',
  '%s%n%%',
  '😀\u0000é',
];

describe('PgJobStore bad input: same typed errors as JobStore, nothing changed', () => {
  beforeAll(async () => {
    mem = JobStore.create({ capacity: 64, maxIdBytes: 16, maxErrorBytes: 32 });
    mem.create('job');
    await pg.create('job');
  });

  const calls: [string, (s: JobStore | PgJobStore, v: unknown) => unknown][] = [
    ['create(id)', (s, v) => s.create(v as string)],
    ['get(id)', (s, v) => s.get(v as string)],
    ['claim(id)', (s, v) => s.claim(v as string)],
    ['updateStatus(id)', (s, v) => s.updateStatus(v as string, 'processing')],
    ['remove(id)', (s, v) => s.remove(v as string)],
  ];
  for (const [name, call] of calls) {
    it(`${name} with every bad id`, async () => {
      const before = await pg.list();
      for (const id of BAD_IDS) {
        const m = await outcome(() => call(mem, id));
        const p = await outcome(() => call(pg, id));
        expect(p, `id #${BAD_IDS.indexOf(id)}`).toEqual(m);
        expect(p).toMatchObject({ error: { name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT' } });
      }
      expect(await pg.list()).toEqual(before);
    });
  }

  it('bad statuses, lastErrors and options', async () => {
    const before = await pg.list();
    const bad: [string, (s: JobStore | PgJobStore) => unknown][] = [
      ['status done', (s) => s.updateStatus('job', 'done' as never)],
      ['status null', (s) => s.updateStatus('job', null as never)],
      ['status PENDING', (s) => s.updateStatus('job', 'PENDING' as never)],
      ['lastError number', (s) => s.updateStatus('job', 'processing', 42 as never)],
      ['lastError object', (s) => s.updateStatus('job', 'processing', {} as never)],
      ['options array', (s) => s.updateStatus('job', 'processing', null, [] as never)],
      ['options.attempt -1', (s) => s.updateStatus('job', 'processing', null, { attempt: -1 })],
      ['options.attempt 1.5', (s) => s.updateStatus('job', 'processing', null, { attempt: 1.5 })],
      ['options.attempt string', (s) => s.updateStatus('job', 'processing', null, { attempt: '1' as never })],
      ['options.timeoutMs NaN', (s) => s.updateStatus('job', 'processing', null, { timeoutMs: NaN })],
      ['options.timeoutMs -1', (s) => s.updateStatus('job', 'processing', null, { timeoutMs: -1 })],
      ['options.signal', (s) => s.updateStatus('job', 'processing', null, { signal: {} as never })],
      ['create options null', (s) => s.create('new', null as never)],
      ['create maxRetries -1', (s) => s.create('new', { maxRetries: -1 })],
      ['create maxRetries 2^31', (s) => s.create('new', { maxRetries: 2 ** 31 })],
      ['list status', (s) => s.list({ status: 'nope' })],
      ['list options', (s) => s.list('pending' as never)],
      ['reclaimStalled now NaN', (s) => s.reclaimStalled(NaN)],
      ['reclaimStalled now string', (s) => s.reclaimStalled('1e15' as never)],
      ['reclaimStalled options.now', (s) => s.reclaimStalled({ now: Infinity })],
      ['reclaimStalled options.onReclaimed', (s) => s.reclaimStalled({ onReclaimed: 'log' as never })],
      ['retryFailed options', (s) => s.retryFailed(5 as never)],
      ['retryFailed options.onRetried', (s) => s.retryFailed({ onRetried: {} as never })],
    ];
    for (const [what, call] of bad) {
      const m = await outcome(() => call(mem));
      const p = await outcome(() => call(pg));
      expect(p, what).toEqual(m);
      expect(p, what).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    }
    const aborted = AbortSignal.abort(new Error('stop'));
    expect(await outcome(() => pg.updateStatus('job', 'processing', null, { signal: aborted }))).toEqual(
      await outcome(() => mem.updateStatus('job', 'processing', null, { signal: aborted })),
    );
    expect(await pg.list()).toEqual(before);
  });

  it('bad store options are InvalidArgumentError too', async () => {
    const { PgJobStore } = await import('@atomic-jobs/postgres');
    for (const o of [undefined, {}, { connectionString: 1 }, { connectionString: 'x', schema: 'a"; DROP' }, { connectionString: 'x', maxIdBytes: 0 }, { connectionString: 'x', claimOrder: 'lifo' }]) {
      expect(() => PgJobStore.create(o as never)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });
});

describe('PgJobStore hostile strings: stored as data, never run as SQL', () => {
  it('ids and errors with quotes, SQL, placeholders, backslashes and NUL round-trip exactly, as in JobStore', async () => {
    const m = JobStore.create({ capacity: 64, maxIdBytes: 64, maxErrorBytes: 256 });
    const p = pgStore(SCHEMA, { maxIdBytes: 64, maxErrorBytes: 256 });
    try {
      for (const [i, s] of HOSTILE.entries()) {
        const id = `h${i}${s}`;
        expect(await outcome(() => p.create(id))).toEqual(await outcome(() => m.create(id)));
        expect(await outcome(() => p.claim(id))).toEqual(await outcome(() => m.claim(id)));
        const pr = await outcome(() => p.updateStatus(id, 'failed', s));
        expect(pr).toEqual(await outcome(() => m.updateStatus(id, 'failed', s)));
        expect(pr).toMatchObject({ value: { id, lastError: s } });
        expect((await p.get(id))?.lastError).toBe(s);
        expect(await outcome(() => p.create(id))).toMatchObject({ error: { code: 'ERR_DUPLICATE_JOB' } });
      }
      // Nothing was dropped or rewritten: every job is there, and only those.
      const ids = (await p.list()).map((j) => j.id).filter((id) => id.startsWith('h'));
      expect(ids.sort()).toEqual(HOSTILE.map((s, i) => `h${i}${s}`).sort());
      expect((await p.counts()).failed).toBe(HOSTILE.length);
      // Ids differing only after a NUL are different jobs (no C-string truncation anywhere).
      expect(await p.get('h5a')).toBeUndefined();
      expect(await p.get('h5a\0b')).toMatchObject({ status: 'failed' });
    } finally {
      await p.close();
    }
  });

  it('a lone surrogate in lastError is stored as U+FFFD, as JobStore stores it; cuts fall on character boundaries', async () => {
    const m = JobStore.create({ capacity: 8, maxErrorBytes: 5 });
    const p = pgStore(SCHEMA, { maxErrorBytes: 5 });
    try {
      for (const [i, err] of ['a\uD800b', '😀😀', 'éééé', 'abcde', 'abcdef', ''].entries()) {
        const id = `s${i}`;
        for (const s of [m, p]) {
          await s.create(id);
          await s.claim(id);
        }
        const po = await outcome(() => p.updateStatus(id, 'failed', err));
        expect(po, JSON.stringify(err)).toEqual(await outcome(() => m.updateStatus(id, 'failed', err)));
        expect((await p.get(id))?.lastError).toBe(m.get(id)?.lastError);
        expect((await p.get(id))?.lastErrorTruncated).toBe(m.get(id)?.lastErrorTruncated);
      }
    } finally {
      await p.close();
    }
  });
});
