/**
 * Several processes, each with its own connection pool, race on the same few
 * hot jobs of one PostgreSQL store with a seeded mix of every operation
 * (counts() included: one SELECT, so one instant); one
 * more process, claiming jobs, is killed with SIGKILL in the middle of an
 * operation. The whole history (FIFO order of claimNext included) is checked
 * for linearizability against the store's sequential model: 0 violations and
 * 0 unknown verdicts. The killed process's in-flight operations are recorded
 * with an unknown outcome (Jepsen's :info), and the jobs it died holding come
 * back to pending through lease expiry, attempts kept.
 *
 * Clock: see fixtures/postgres-race-protocol.ts (one machine-wide monotonic clock).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, jobStoreModel, type JobInput, type JobOutput, type Operation } from '@atomic-jobs/checker';
import type { PgJobStore } from '@atomic-jobs/postgres';
import { PG_URL, freshSchema, pgStore } from '../fixtures/postgres-server.js';
import type { CallMessage, RaceConfig, RaceMessage } from '../fixtures/postgres-race-protocol.js';

const CHILD = new URL('../dist/fixtures/postgres-race-child.js', import.meta.url);
const SCHEMA = 'aj_test_race';
const SEED = Number(process.env['ATOMIC_JOBS_PG_RACE_SEED'] ?? 20_261_129);
const PROCESSES = 4;
const CLIENTS_PER_PROCESS = 2;
const OPS_PER_CLIENT = 250;
const HOT = ['a', 'b', 'c'];
/** The victim's own jobs, which nobody else touches: whatever it claimed there stays claimed when it dies. */
const VICTIM_IDS = ['v0', 'v1', 'v2', 'v3'];
const LEASE_MS = 1500;
/** The victim is killed when the call of its operation number KILL_AT reaches us. */
const KILL_AT = 40;

let observer: PgJobStore;

beforeAll(async () => {
  await freshSchema(SCHEMA);
  observer = pgStore(SCHEMA, { leaseMs: LEASE_MS });
});
afterAll(async () => {
  await observer?.close();
});

interface Recorded {
  call: CallMessage;
  ret?: number;
  output?: JobOutput;
  note?: string;
}

function start(config: RaceConfig, ops: Map<string, Recorded>, onCall?: (n: number, child: ChildProcess) => void): { child: ChildProcess; exited: Promise<number | string | null> } {
  const child = fork(CHILD, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let calls = 0;
  child.on('message', (raw) => {
    const m = raw as RaceMessage;
    if (m.kind === 'call') {
      ops.set(`${config.firstThread}:${m.key}`, { call: m });
      onCall?.(++calls, child);
    } else if (m.kind === 'ret') {
      const r = ops.get(`${config.firstThread}:${m.key}`);
      if (r === undefined) throw new Error(`ret without call ${m.key}`);
      r.ret = m.ret;
      if (m.output !== undefined) r.output = m.output;
      if (m.note !== undefined) r.note = m.note;
    }
  });
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited };
}

describe('PgJobStore: a multi-process race is linearizable, and a killed claimer’s jobs come back', () => {
  it('processes race on hot jobs; one is SIGKILLed mid-operation; checker: ok', async () => {
    const ops = new Map<string, Recorded>();
    const base = { url: PG_URL, schema: SCHEMA, seed: SEED, clients: CLIENTS_PER_PROCESS, ops: OPS_PER_CLIENT, leaseMs: LEASE_MS };
    const victimThread = PROCESSES * CLIENTS_PER_PROCESS;
    let killedAfter = -1;
    const victim = start({ ...base, firstThread: victimThread, ids: [...VICTIM_IDS, ...HOT], owner: 'victim', victim: true }, ops, (n, child) => {
      // The call message is flushed before the database sees the operation, so
      // this operation (and usually the other client's) is in flight now.
      if (n === KILL_AT) {
        killedAfter = n;
        child.kill('SIGKILL');
      }
    });
    // The racers start once the victim holds its own claims (its first two
    // operations per client: create and claim v<k>), so no racer's claimNext
    // can take those jobs first; the victim never finishes them.
    for (let i = 0; i < 5000; i++) {
      const own = [...ops.values()].filter((r) => r.call.thread >= victimThread && r.call.input.op === 'claim' && r.ret !== undefined);
      if (own.length >= CLIENTS_PER_PROCESS) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const racers = Array.from({ length: PROCESSES }, (_, p) =>
      start({ ...base, firstThread: p * CLIENTS_PER_PROCESS, ids: HOT, owner: `racer-${p}`, victim: false }, ops),
    );
    expect(await victim.exited).toBe('SIGKILL');
    expect(killedAfter).toBe(KILL_AT);
    // The killed process's claims are still processing, held by a lease
    // nobody renews (it claims a job of its own first: nobody else finishes
    // v0..v3). Looked at right after the kill, well within the lease.
    const victimProcessing = async () => {
      const processing = await observer.list({ status: 'processing' });
      const owners = await Promise.all(processing.map((j) => observer.lease(j.id)));
      // Only its own jobs: the racers may finish its claims of hot jobs, untouched v0..v3 stay held.
      return processing.filter((j, k) => owners[k]?.owner === 'victim' && VICTIM_IDS.includes(j.id));
    };
    const held = await victimProcessing();
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect(codes).toEqual(racers.map(() => 0));

    const history: Operation<JobInput, JobOutput>[] = [...ops.values()].map((r) => {
      const known = r.ret !== undefined && r.output !== undefined;
      return {
        thread: r.call.thread,
        input: r.call.input,
        call: r.call.call,
        ...(known ? { ret: r.ret, output: r.output } : {}),
        ...(r.note !== undefined ? { note: r.note } : r.call.thread >= victimThread && !known ? { note: 'in flight when its process was killed' } : {}),
      };
    });
    const unknownOps = history.filter((op) => op.ret === undefined);
    const result = check(jobStoreModel(), history, { timeoutMs: 30_000 });
    if (result.violation !== undefined) console.error(result.violation.text);
    console.log(
      `postgres race (seed ${SEED}): ${history.length} operations, ${unknownOps.length} unknown (killed process), ` +
        `verdict ${result.verdict} in ${result.elapsedMs.toFixed(0)} ms, ${result.steps} steps; ${result.notes.join('; ')}`,
    );
    expect(result.verdict).toBe('ok');

    // Only the killed process may leave operations without an answer.
    expect(unknownOps.filter((op) => Number(op.thread) < victimThread).map((op) => op.note)).toEqual([]);
    expect(unknownOps.length).toBeGreaterThanOrEqual(1);
    expect(history.length).toBeGreaterThanOrEqual(PROCESSES * CLIENTS_PER_PROCESS * OPS_PER_CLIENT + KILL_AT);
    const answered = history.filter((op) => op.output !== undefined);
    const kinds = (pred: (op: Operation<JobInput, JobOutput>) => boolean): number => answered.filter(pred).length;
    // The mix really raced: claims won and lost, refusals of every kind.
    expect(kinds((op) => op.input.op === 'claimNext' && op.output !== undefined && 'value' in op.output && op.output.value !== null)).toBeGreaterThan(10);
    // counts() answered in the race, each checked as one instant.
    expect(kinds((op) => op.input.op === 'counts')).toBeGreaterThan(10);
    for (const code of ['ERR_INVALID_TRANSITION', 'ERR_STALE_CLAIM', 'ERR_DUPLICATE_JOB', 'ERR_JOB_NOT_FOUND']) {
      expect(kinds((op) => op.output !== undefined && 'error' in op.output && op.output.error === code), code).toBeGreaterThan(0);
    }

    // Once the lease expires they return to pending.
    expect(held.length).toBeGreaterThanOrEqual(1);
    const leases = await Promise.all(held.map((j) => observer.lease(j.id)));
    // At an instant before the first of these leases ends, none of them is reclaimed.
    await observer.reclaimStalled(Math.min(...leases.map((l) => l?.until ?? 0)) - 1);
    expect(await victimProcessing()).toEqual(held);
    // On the server's clock, leases end LEASE_MS after the claim: poll until they have all come back.
    for (let i = 0; i < 200 && (await victimProcessing()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await observer.reclaimStalled();
    }
    for (const before of held) {
      const after = await observer.get(before.id);
      expect(after).toMatchObject({ status: 'pending', attempts: before.attempts, version: before.version + 1 });
      expect(await observer.lease(before.id)).toBeUndefined();
    }
    expect(observer.recovery().stalledReclaimed).toBeGreaterThanOrEqual(held.length);
  });
});
