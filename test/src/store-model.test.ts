/**
 * Model-based tests (fast-check fc.commands): random command sequences run on
 * the real store and on the checker's sequential model; every answer and the
 * final state must agree. Second variant: a second worker thread attached to
 * the same SharedArrayBuffer runs some of the commands, interleaved with the
 * main thread's, so each side must see the other's writes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JOB_STATUSES, JobStore, type Locking } from '@atomic-jobs/store';
import { applyJobOp, emptyStoreState, jobView, type DeterministicJobInput, type JobOutput, type StoreState } from '@atomic-jobs/checker';
import { runJobOp } from '../fixtures/model-ops.js';
import type { PeerRequest } from '../fixtures/model-peer.js';
import { Scripted } from './helpers/threads.js';

const CAPACITY = 3;
const IDS = ['a', 'b', 'c', 'd'];

interface Model { state: StoreState }
interface Real { store: JobStore; peer: Scripted<PeerRequest, JobOutput> | undefined }

const inputArb: fc.Arbitrary<DeterministicJobInput> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), id: fc.constantFrom(...IDS), maxRetries: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('get' as const), id: fc.constantFrom(...IDS) }),
  fc.record({ op: fc.constant('claim' as const), id: fc.constantFrom(...IDS) }),
  fc.constant({ op: 'claimNext' as const }),
  fc.record({
    op: fc.constant('updateStatus' as const),
    id: fc.constantFrom(...IDS),
    status: fc.constantFrom(...JOB_STATUSES),
    lastError: fc.constantFrom(undefined, null, 'boom', 'é🚀'),
    // A fencing token that is sometimes a stale guess; Op fills in the current one when told to.
    attempt: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 2 }),
  }),
  fc.record({ op: fc.constant('remove' as const), id: fc.constantFrom(...IDS) }),
  // Single-threaded, even the per-job sweep moves every retryable job: the atomic specification applies.
  fc.constant({ op: 'retryFailed' as const, atomic: true }),
  // Exact here in both locking modes: the commands run one at a time.
  fc.constant({ op: 'counts' as const }),
  fc.constant({ op: 'list' as const, atomic: true }),
);

/**
 * Run `input` on the model and on the store (here or on the peer thread);
 * answers must match. `fence`: an updateStatus passes the job's current
 * attempts as its token, as a worker holding the claim would.
 */
class Op implements fc.AsyncCommand<Model, Real> {
  constructor(readonly input: DeterministicJobInput, readonly onPeer: boolean, readonly fence = false) {}
  check(): boolean { return true; }
  async run(m: Model, r: Real): Promise<void> {
    let input = this.input;
    if (this.fence && input.op === 'updateStatus') input = { ...input, attempt: m.state.jobs.get(input.id)?.attempts ?? 0 };
    const expected = applyJobOp(m.state, input, CAPACITY);
    if (expected === undefined) throw new Error('the model refused a store call');
    const got = this.onPeer && r.peer !== undefined ? await r.peer.ok({ input }) : runJobOp(r.store, input);
    expect(got).toEqual(expected.out);
    m.state = expected.state;
    // Whole-store agreement after every step: every job, as the model has it.
    for (const id of IDS) expect(snapshotOf(r.store, id)).toEqual(expected.state.jobs.get(id) ?? null);
  }
  toString(): string { return `${this.onPeer ? 'peer ' : ''}${this.fence ? 'fenced ' : ''}${JSON.stringify(this.input)}`; }
}

function snapshotOf(store: JobStore, id: string): unknown {
  const s = store.get(id);
  return s === undefined ? null : jobView(s);
}

describe.each<Locking>(['per-job', 'global'])('JobStore against its model (%s locking)', (locking) => {
  it('single thread: random command sequences agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([fc.tuple(inputArb, fc.boolean()).map(([i, fence]) => new Op(i, false, fence))], { maxCommands: 60 }), async (cmds) => {
        const store = JobStore.create({ capacity: CAPACITY, locking });
        await fc.asyncModelRun(() => ({ model: { state: emptyStoreState() }, real: { store, peer: undefined } }), cmds);
      }),
      { numRuns: 200 },
    );
  });

  const peers: Scripted<PeerRequest, JobOutput>[] = [];
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.terminate()));
  });

  it('two threads: a worker attached to the same buffer runs some commands in between', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([fc.tuple(inputArb, fc.boolean(), fc.boolean()).map(([i, peer, fence]) => new Op(i, peer, fence))], { maxCommands: 40 }), async (cmds) => {
        const store = JobStore.create({ capacity: CAPACITY, locking });
        const peer = new Scripted<PeerRequest, JobOutput>('model-peer', store.handle);
        peers.push(peer);
        try {
          await fc.asyncModelRun(() => ({ model: { state: emptyStoreState() }, real: { store, peer } }), cmds);
        } finally {
          peers.splice(peers.indexOf(peer), 1);
          await peer.terminate();
        }
      }),
      { numRuns: 25 },
    );
  });
});
