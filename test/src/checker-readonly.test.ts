/**
 * The search linearizes reads greedily (search.ts), which is sound only if
 * every input the model calls read-only leaves every state as it was. A
 * property test: from states reached by random operations, each read-only
 * input's every outcome keeps the state, and the inputs that change the
 * store are not called read-only.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JOB_STATUSES } from '@atomic-jobs/store';
import { applyJobOp, emptyStoreState, jobOpEffects, jobStoreModel, type DeterministicJobInput, type JobInput, type StoreState } from '@atomic-jobs/checker';

const IDS = ['a', 'b', 'c'];
const model = jobStoreModel();

const changeArb: fc.Arbitrary<DeterministicJobInput> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), id: fc.constantFrom(...IDS), maxRetries: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('claim' as const), id: fc.constantFrom(...IDS) }),
  fc.constant({ op: 'claimNext' as const }),
  fc.record({ op: fc.constant('updateStatus' as const), id: fc.constantFrom(...IDS), status: fc.constantFrom(...JOB_STATUSES), lastError: fc.constantFrom(undefined, null, 'x') }),
  fc.record({ op: fc.constant('remove' as const), id: fc.constantFrom(...IDS) }),
  fc.constant({ op: 'retryFailed' as const, atomic: true }),
);

/** Every input, with every id. */
const ALL_INPUTS: JobInput[] = [
  ...IDS.flatMap((id): JobInput[] => [
    { op: 'get', id }, { op: 'claim', id }, { op: 'remove', id }, { op: 'create', id, maxRetries: 1 }, { op: 'reclaimJob', id },
    ...JOB_STATUSES.map((status): JobInput => ({ op: 'updateStatus', id, status })),
  ]),
  { op: 'claimNext' }, { op: 'counts' }, { op: 'list', atomic: true }, { op: 'list', atomic: false },
  { op: 'retryFailed', atomic: true }, { op: 'retryFailed', atomic: false }, { op: 'retryOne' }, { op: 'reclaimStalled' }, { op: 'reclaimOne' },
];

/** Every state on the way through `steps`, from the empty store. */
function reach(steps: readonly DeterministicJobInput[]): StoreState[] {
  const states = [emptyStoreState()];
  for (const input of steps) {
    const last = states[states.length - 1] as StoreState;
    states.push(applyJobOp(last, input)?.state ?? last);
  }
  return states;
}

describe("the model's read-only inputs", () => {
  it('leave every reachable state as it was, in every outcome', () => {
    const readOnly = ALL_INPUTS.filter((input) => model.readOnly?.(input) === true);
    expect(readOnly.map((i) => i.op).sort()).toEqual(['counts', 'get', 'get', 'get', 'list', 'list', 'reclaimStalled', 'retryFailed'].sort());
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 25 }), (steps) => {
        for (const s of reach(steps)) {
          for (const input of readOnly) for (const e of jobOpEffects(s, input)) expect(e.state.key).toBe(s.key);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('and every input that is not read-only changes one of a few states', () => {
    // A path through jobs pending, processing, and failed with retries left.
    const path: DeterministicJobInput[] = [
      ...IDS.map((id): DeterministicJobInput => ({ op: 'create', id, maxRetries: 2 })),
      { op: 'claim', id: 'a' }, { op: 'updateStatus', id: 'a', status: 'failed', lastError: 'x' }, { op: 'claim', id: 'b' }, { op: 'claim', id: 'c' },
    ];
    const states = reach(path);
    const writers = ALL_INPUTS.filter((input) => model.readOnly?.(input) !== true);
    const unchanged = writers.filter((input) => !states.some((s) => jobOpEffects(s, input).some((e) => e.state.key !== s.key)));
    expect(unchanged.map((input) => JSON.stringify(input))).toEqual([]);
  });
});
