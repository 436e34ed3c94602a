/**
 * No torn snapshot: 2 writer threads each own 3 jobs and move them round a
 * cycle, always writing a lastError that is a function of the status,
 * attempts and version written (fixtures/store-torn-rule.ts); 2 reader
 * threads get() and list() all 6 jobs meanwhile. Every snapshot read must
 * satisfy the rule. The control cases show the rule does reject tearing.
 * Readers run in both read modes: the seqlock (no lock) and 'locked' (the
 * default off x86-64).
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '@atomic-jobs/store';
import type { JobSnapshot, Locking, ReadMode } from '@atomic-jobs/store';
import { runTogether } from './helpers/threads.js';
import { newControl } from '../fixtures/store-sync.js';
import { attemptsAt, errorFor, statusAt, stored, tornReason } from '../fixtures/store-torn-rule.js';
import type { TornReaderData, TornReaderResult } from '../fixtures/store-torn-reader.js';
import type { TornWriterData, TornWriterResult } from '../fixtures/store-torn-writer.js';

const MAX_ERROR_BYTES = 48;
const ROUNDS = 3_000;

/** The snapshot the writer produces at `version` (what a reader may legitimately see). */
function valid(version: number): JobSnapshot {
  const status = statusAt(version);
  const attempts = attemptsAt(version);
  return { id: 'j', status, attempts, maxRetries: 1_000_000, ...stored(errorFor(status, attempts, version), MAX_ERROR_BYTES), version, createdAt: 1, updatedAt: 2 };
}

describe('the consistency rule (control)', () => {
  it('accepts every state the writer produces', () => {
    for (let v = 1; v < 200; v++) expect(tornReason(valid(v), MAX_ERROR_BYTES), `v${v}`).toBeUndefined();
  });

  it('rejects snapshots mixing fields of two consecutive updates', () => {
    let rejected = 0;
    for (let v = 2; v < 200; v++) {
      const now = valid(v);
      const prev = valid(v - 1);
      const torn: JobSnapshot[] = [
        { ...now, status: prev.status },
        { ...now, attempts: prev.attempts },
        { ...now, lastError: prev.lastError },
        { ...now, lastErrorTruncated: prev.lastErrorTruncated },
        { ...now, version: prev.version },
      ];
      for (const t of torn) {
        const same = t.status === now.status && t.attempts === now.attempts && t.lastError === now.lastError && t.lastErrorTruncated === now.lastErrorTruncated && t.version === now.version;
        if (same) continue; // that field did not change between v-1 and v: nothing to tear
        expect(tornReason(t, MAX_ERROR_BYTES), `v${v} ${JSON.stringify(t)}`).toBeDefined();
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });
});

/** The seqlock exists on x86-64 only (refused elsewhere). */
const READS: ReadMode[] = process.arch === 'x64' ? ['seqlock', 'locked'] : ['locked'];
const MODES: [Locking, ReadMode][] = READS.flatMap((reads) => (['global', 'per-job'] as const).map((locking): [Locking, ReadMode] => [locking, reads]));

describe.each(MODES)('concurrent readers (locking %s, reads %s)', (locking, reads) => {
  it('never see a torn snapshot while 2 writers update 6 jobs', async () => {
    const store = JobStore.create({ capacity: 8, maxErrorBytes: MAX_ERROR_BYTES, locking });
    const ids = ['a', 'b', 'c', 'é', '€', '😀'];
    for (const id of ids) store.create(id, { maxRetries: 1_000_000 });
    const ctrl = newControl();
    const writerIds = [ids.slice(0, 3), ids.slice(3)];
    const specs = [
      ...writerIds.map((own) => ({ fixture: 'store-torn-writer', data: { ctrl, handle: store.handle, ids: own, rounds: ROUNDS } satisfies TornWriterData })),
      ...[0, 1].map(() => ({ fixture: 'store-torn-reader', data: { ctrl, handle: store.handle, ids, writers: writerIds.length, reads } satisfies TornReaderData })),
    ];
    const results = await runTogether<TornWriterResult | TornReaderResult>(specs, ctrl);
    const writers = results.slice(0, 2) as TornWriterResult[];
    const readers = results.slice(2) as TornReaderResult[];
    for (const w of writers) {
      expect(w.bad).toEqual([]);
      expect(w.updates).toBe(3 * ROUNDS);
    }
    for (const r of readers) {
      expect(r.bad).toEqual([]);
      // The readers really ran alongside the writers, seeing the jobs change under them.
      expect(r.changes).toBeGreaterThan(10);
    }
    for (const id of ids) {
      const s = store.get(id) as JobSnapshot;
      expect(s.version).toBe(ROUNDS + 1);
      expect(tornReason(s, MAX_ERROR_BYTES)).toBeUndefined();
    }
  });
});
