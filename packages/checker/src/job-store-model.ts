/**
 * The sequential specification of `@atomic-jobs/store`'s JobStore, for the
 * checker. It decides every transition with the store's own table
 * (`canTransition`), and keeps what the store keeps: per job its status,
 * attempts, maxRetries, lastError and version, plus the order of the pending
 * queue (what `claimNext` takes) and of the retry list (what `retryFailed`
 * walks).
 *
 * Partitioning (P-compositionality). create / get / claim / updateStatus /
 * remove each touch one job, so a history made only of them is checked one
 * job at a time, which is exact and fast (so is a per-job `list`, split into
 * one `get` per job). `claimNext`, `retryFailed`, `reclaimStalled`,
 * `counts` and a one-instant `list` touch several jobs (which job is the
 * oldest pending one; how many failed or processing jobs there were; every
 * job at once), so a history containing any of them is checked whole,
 * against the whole-store model, FIFO order included. The result's notes
 * say which was done; no operation is ever left out (an unknown answer of a
 * per-job `list`, a read, constrains nothing).
 *
 * `retryFailed` has two specifications, chosen per operation:
 * - `atomic: true` (a sweep in one critical section, or a single thread): one
 *   instant; moves every failed job with retries left to pending, oldest
 *   failure first; returns how many.
 * - `atomic: false` (the store as it is, both locking modes): each retry is
 *   its own atomic step, and the sweep may stop early when it races. A call that returned n becomes n
 *   `retryOne` operations over the same interval, each "the head of the retry
 *   list goes back to pending". Returning 0 constrains nothing. An unknown
 *   outcome becomes one unknown `retryOne` per distinct job id of the history
 *   (the sweep's bound is the retry list's length, at most the live jobs).
 *
 * `reclaimStalled` is modelled with a `now` past every lease (the model keeps
 * no clock): every processing job's lease has expired. The store sweeps its
 * slots, each reclaim its own atomic step (in both locking modes), oldest
 * lease first, which the model does not know. So, like a per-job
 * `retryFailed`, a call that returned n becomes n `reclaimOne` operations
 * over its interval, each "some processing job goes back to pending,
 * attempts and error kept"; an unknown outcome, one unknown `reclaimOne` per
 * distinct job id.
 *
 * A history can say more: the store's `onReclaimed` reports each job as it
 * is reclaimed, so a recorder can log each reclaim as a `reclaimJob(id)`,
 * over the instants between two reports, and the sweep's end as a
 * `reclaimStalled` that returned 0. Those steps are deterministic and
 * ordered, and cost the search nothing more than an updateStatus (the
 * stress harness records sweeps so; see test/src/stress/log.ts).
 *
 * Which job a `reclaimOne` took is a choice the history may only reveal
 * later (or never), so the model is nondeterministic there. It is made
 * deterministic by the powerset construction (as Porcupine does for its
 * nondeterministic models): the checker's state is the set of every store
 * state the operations so far can have led to ({@link StoreStates}); a step
 * keeps each outcome that gives the observed output, and fails only when
 * none does.
 */
import { canTransition, type JobSnapshot, type JobStatus } from '@atomic-jobs/store';
import { UNKNOWN, type Model, type Operation, type Partition, type StepResult } from './types.js';
import { describeJobInput, describeJobOutput, sameOutput } from './job-outputs.js';
import { isUnknown } from './search.js';

export type JobInput =
  | { readonly op: 'create'; readonly id: string; readonly maxRetries: number }
  | { readonly op: 'get'; readonly id: string }
  | { readonly op: 'claim'; readonly id: string }
  | { readonly op: 'claimNext' }
  | {
      readonly op: 'updateStatus';
      readonly id: string;
      readonly status: JobStatus;
      /** `undefined`: not passed (the error is kept); `null`: cleared. */
      readonly lastError?: string | null | undefined;
      /** The fencing token, when passed. */
      readonly attempt?: number | undefined;
    }
  | { readonly op: 'remove'; readonly id: string }
  /**
   * `atomic: false` calls must go through `check` (its partitioner splits
   * them into `retryOne`s); `search` alone would see only the 0 case.
   */
  | { readonly op: 'retryFailed'; readonly atomic: boolean }
  /** One retry of a per-job sweep (made by the partitioner, not recorded). */
  | { readonly op: 'retryOne' }
  /**
   * `reclaimStalled(now)` with `now` past every lease. Calls that reclaimed
   * jobs must go through `check` (its partitioner splits them into
   * `reclaimOne`s), as for a per-job `retryFailed`.
   */
  | { readonly op: 'reclaimStalled' }
  /**
   * One reclaim of that sweep: any processing job. Made by the partitioner
   * from a count, or recorded for a reclaim whose job is not known (its
   * thread died).
   */
  | { readonly op: 'reclaimOne' }
  /**
   * One reclaim of a sweep, of a known job: what `onReclaimed` reported.
   * The job must be processing; it goes back to pending, attempts and error
   * kept, and the output is the job as left.
   */
  | { readonly op: 'reclaimJob'; readonly id: string }
  /**
   * `counts()`: jobs per status at one instant. Only a store whose counts
   * are one instant may be checked with it: 'global' locking (in 'per-job'
   * mode the counts are exact only while no update is in flight).
   */
  | { readonly op: 'counts' }
  /**
   * `list()`, its jobs sorted by id (a recorder sorts the store's slot
   * order). `atomic: true`: one instant (a store under the global lock).
   * `atomic: false` (per-job mode, where each job's snapshot is untorn but
   * taken at its own instant) must go through `check`: its partitioner
   * splits a known answer into one `get` per job id, over the call's
   * interval, and drops an unknown one (a read that constrains nothing).
   */
  | { readonly op: 'list'; readonly atomic: boolean };

/** The inputs with one outcome per state: every one but `reclaimOne`. */
export type DeterministicJobInput = Exclude<JobInput, { readonly op: 'reclaimOne' }>;

/** The fields of a snapshot the model decides (timestamps are not modelled). */
export interface JobView {
  readonly id: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxRetries: number;
  readonly lastError: string | null;
  readonly version: number;
}

/** What `counts()` answered (its `total` is the sum, so not modelled apart). */
export interface CountsView {
  readonly pending: number;
  readonly processing: number;
  readonly completed: number;
  readonly failed: number;
}

/** What an operation answered: a value (`null` for `undefined`), or an error code. */
export type JobOutput = { readonly value: JobView | readonly JobView[] | CountsView | null | boolean | number } | { readonly error: string };

export interface StoreState {
  readonly jobs: ReadonlyMap<string, JobView>;
  /** Ids in the order `claimNext` takes them. */
  readonly pending: readonly string[];
  /** Failed ids with retries left, oldest failure first. */
  readonly retry: readonly string[];
  /** Canonical key (the model's hash). */
  readonly key: string;
}

/**
 * The checker's state for this model: every store state the history so far
 * can have led to (more than one only after a `reclaimOne`, see the top of
 * this file), each once, in key order.
 */
export interface StoreStates {
  readonly alts: readonly StoreState[];
  /** Canonical key (the model's hash): the members' keys, in order. */
  readonly key: string;
}

export interface JobStoreModelOptions {
  /**
   * The store's capacity, to check `ERR_STORE_FULL`. Without it the model
   * never expects the store to be full (and an `ERR_STORE_FULL` is a violation).
   */
  capacity?: number | undefined;
  /**
   * `'auto'`: per job when no operation touches several jobs, else whole.
   * `'whole'`: always one partition.
   * @default 'auto'
   */
  partition?: 'auto' | 'whole' | undefined;
}

/** Error codes that say the call did nothing, whatever the state (lock timeout, abort, bad argument). */
export const NO_EFFECT_ERRORS: ReadonlySet<string> = new Set(['ERR_LOCK_TIMEOUT', 'ERR_ABORTED', 'ERR_INVALID_ARGUMENT']);

/** The modelled fields of a store snapshot. */
export function jobView(s: JobSnapshot): JobView {
  return { id: s.id, status: s.status, attempts: s.attempts, maxRetries: s.maxRetries, lastError: s.lastError, version: s.version };
}

function makeState(jobs: ReadonlyMap<string, JobView>, pending: readonly string[], retry: readonly string[]): StoreState {
  const ids = [...jobs.keys()].sort();
  const key =
    ids.map((id) => { const j = jobs.get(id) as JobView; return `${JSON.stringify(id)}:${j.status}:${j.attempts}:${j.maxRetries}:${j.version}:${JSON.stringify(j.lastError)}`; }).join(',') +
    `|p:${JSON.stringify(pending)}|r:${JSON.stringify(retry)}`;
  return { jobs, pending, retry, key };
}

const without = (list: readonly string[], id: string): readonly string[] => list.filter((x) => x !== id);

/** `job` moved to `to` (already validated). Lists follow the store: pending -> pending queue; failed with retries left -> retry list. */
function transition(s: StoreState, job: JobView, to: JobStatus, lastError: string | null | undefined): { job: JobView; state: StoreState } {
  const attempts = to === 'processing' ? job.attempts + 1 : job.attempts;
  // The store keeps UTF-8, so a lone surrogate comes back as U+FFFD.
  const stored = lastError === undefined ? job.lastError : lastError === null ? null : lastError.toWellFormed();
  const next: JobView = { ...job, status: to, attempts, version: job.version + 1, lastError: stored };
  const jobs = new Map(s.jobs).set(job.id, next);
  let pending = without(s.pending, job.id);
  let retry = without(s.retry, job.id);
  if (to === 'pending') pending = [...pending, job.id];
  if (to === 'failed' && canTransition('failed', 'pending', next)) retry = [...retry, job.id];
  return { job: next, state: makeState(jobs, pending, retry) };
}

export interface Effect { readonly out: JobOutput; readonly state: StoreState }

/** The state with no jobs. */
export function emptyStoreState(): StoreState {
  return makeState(new Map(), [], []);
}

function statesOf(alts: readonly StoreState[]): StoreStates {
  const sorted = [...alts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { alts: sorted, key: sorted.length === 1 ? (sorted[0] as StoreState).key : sorted.map((a) => a.key).join('||') };
}

/** Every outcome of `input` in state `s`: one for every input but `reclaimOne` (none when it cannot happen). */
export function jobOpEffects(s: StoreState, input: JobInput, capacity?: number): Effect[] {
  if (input.op !== 'reclaimOne') {
    const e = applyJobOp(s, input, capacity);
    return e === undefined ? [] : [e];
  }
  const out: Effect[] = [];
  for (const job of s.jobs.values()) {
    if (job.status === 'processing') out.push({ out: { value: 1 }, state: transition(s, job, 'pending', undefined).state });
  }
  return out;
}

/** What the store does for `input` in state `s`; undefined when it cannot (retryOne with an empty retry list, reclaimJob of a job not processing). */
export function applyJobOp(s: StoreState, input: DeterministicJobInput, capacity?: number): Effect | undefined {
  const value = (v: JobView | readonly JobView[] | CountsView | null | boolean | number, state = s): Effect => ({ out: { value: v }, state });
  const error = (code: string): Effect => ({ out: { error: code }, state: s });
  switch (input.op) {
    case 'create': {
      if (s.jobs.has(input.id)) return error('ERR_DUPLICATE_JOB');
      if (capacity !== undefined && s.jobs.size >= capacity) return error('ERR_STORE_FULL');
      const job: JobView = { id: input.id, status: 'pending', attempts: 0, maxRetries: input.maxRetries, lastError: null, version: 1 };
      return value(job, makeState(new Map(s.jobs).set(input.id, job), [...s.pending, input.id], s.retry));
    }
    case 'get':
      return value(s.jobs.get(input.id) ?? null);
    case 'claim': {
      const job = s.jobs.get(input.id);
      if (job === undefined) return error('ERR_JOB_NOT_FOUND');
      if (job.status !== 'pending') return value(null);
      const t = transition(s, job, 'processing', undefined);
      return value(t.job, t.state);
    }
    case 'claimNext': {
      const head = s.pending[0];
      if (head === undefined) return value(null);
      const t = transition(s, s.jobs.get(head) as JobView, 'processing', undefined);
      return value(t.job, t.state);
    }
    case 'updateStatus': {
      const job = s.jobs.get(input.id);
      if (job === undefined) return error('ERR_JOB_NOT_FOUND');
      if (input.attempt !== undefined && (job.status !== 'processing' || job.attempts !== input.attempt)) return error('ERR_STALE_CLAIM');
      if (!canTransition(job.status, input.status, job)) return error('ERR_INVALID_TRANSITION');
      const t = transition(s, job, input.status, input.lastError);
      return value(t.job, t.state);
    }
    case 'remove': {
      const job = s.jobs.get(input.id);
      if (job === undefined) return value(false);
      if (job.status === 'processing') return error('ERR_JOB_PROCESSING');
      const jobs = new Map(s.jobs);
      jobs.delete(input.id);
      return value(true, makeState(jobs, without(s.pending, input.id), without(s.retry, input.id)));
    }
    case 'retryFailed': {
      if (!input.atomic) return value(0);
      let state = s;
      for (const id of s.retry) state = transition(state, state.jobs.get(id) as JobView, 'pending', undefined).state;
      return value(s.retry.length, state);
    }
    case 'retryOne': {
      const head = s.retry[0];
      if (head === undefined) return undefined;
      return value(1, transition(s, s.jobs.get(head) as JobView, 'pending', undefined).state);
    }
    case 'reclaimStalled':
      // Only a sweep that reclaimed nothing is left whole by the partitioner: it constrains nothing.
      return value(0);
    case 'list':
      return value([...s.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    case 'counts': {
      const n = { pending: 0, processing: 0, completed: 0, failed: 0 };
      for (const job of s.jobs.values()) n[job.status]++;
      return value(n);
    }
    case 'reclaimJob': {
      const job = s.jobs.get(input.id);
      if (job === undefined || job.status !== 'processing') return undefined;
      const t = transition(s, job, 'pending', undefined);
      return value(t.job, t.state);
    }
  }
}

/**
 * Split as described at the top of this file. Exported for callers that want
 * to see the partitions the checker will search.
 */
export function partitionJobHistory(ops: readonly Operation<JobInput, JobOutput>[], options: JobStoreModelOptions = {}): Partition<JobInput, JobOutput>[] {
  const ids = new Set(ops.flatMap((op) => ('id' in op.input ? [op.input.id] : [])));
  const expanded: Operation<JobInput, JobOutput>[] = [];
  let sweeps = 0;
  let reclaims = 0;
  let lists = 0;
  for (const op of ops) {
    const known = !isUnknown(op) && op.output !== undefined;
    if (op.input.op === 'list' && !op.input.atomic) {
      lists++;
      if (!known || op.output === undefined) continue;
      if (!('value' in op.output) || !Array.isArray(op.output.value)) { expanded.push(op); continue; }
      const listed = op.output.value as readonly JobView[];
      for (const id of new Set([...ids, ...listed.map((j) => j.id)])) {
        const seen = listed.filter((j) => j.id === id);
        const base = { thread: op.thread, input: { op: 'get', id } as const, call: op.call, ret: op.ret, note: `job ${JSON.stringify(id)} of a per-job list` };
        if (seen.length === 0) expanded.push({ ...base, output: { value: null } });
        for (const j of seen) expanded.push({ ...base, output: { value: j } });
      }
      continue;
    }
    const sweep = op.input.op === 'retryFailed' && !op.input.atomic;
    if (!sweep && op.input.op !== 'reclaimStalled') { expanded.push(op); continue; }
    const n = known ? ('value' in (op.output as JobOutput) ? Number((op.output as { value: unknown }).value) : 0) : ids.size;
    if (known && n === 0) { expanded.push(op); continue; }
    const one = sweep ? ({ op: 'retryOne' } as const) : ({ op: 'reclaimOne' } as const);
    const what = sweep ? 'retry' : 'reclaim';
    if (sweep) sweeps++;
    else reclaims++;
    for (let k = 0; k < n; k++) {
      const base = { thread: op.thread, input: one, call: op.call, note: `${what} ${k + 1} of ${known ? n : `at most ${n}`} of a per-job ${sweep ? 'retryFailed' : 'reclaimStalled'}` };
      expanded.push(known ? { ...base, output: { value: 1 }, ret: op.ret } : { ...base, unknown: true });
    }
  }
  const notes: string[] = [];
  if (sweeps > 0) notes.push(`${sweeps} per-job retryFailed call(s) split into one retryOne per job retried`);
  if (reclaims > 0) notes.push(`${reclaims} reclaimStalled call(s) split into one reclaimOne per job reclaimed`);
  if (lists > 0) notes.push(`${lists} per-job list call(s) split into one get per job (unknown answers dropped)`);
  const crossOps: ReadonlySet<string> = new Set(['claimNext', 'retryFailed', 'retryOne', 'reclaimStalled', 'reclaimOne', 'counts', 'list']);
  const cross = expanded.filter((op) => crossOps.has(op.input.op)).length;
  const full = options.capacity !== undefined && expanded.some((op) => op.output !== undefined && 'error' in op.output && op.output.error === 'ERR_STORE_FULL');
  if (options.partition === 'whole' || cross > 0 || full) {
    const why = options.partition === 'whole' ? 'partitioning turned off' : cross > 0 ? `${cross} operation(s) (claimNext, retryFailed, reclaimStalled, counts, list) touch several jobs` : 'ERR_STORE_FULL depends on every job';
    notes.push(`checked as one history against the whole-store model (${why})`);
    return [{ label: `the whole store (${ids.size} job${ids.size === 1 ? '' : 's'})`, ops: expanded, notes }];
  }
  const byId = new Map<string, Operation<JobInput, JobOutput>[]>();
  for (const op of expanded) {
    const id = (op.input as { id: string }).id;
    const list = byId.get(id) ?? [];
    list.push(op);
    byId.set(id, list);
  }
  return [...byId].map(([id, list]) => ({ label: `job ${JSON.stringify(id)}`, ops: list, notes }));
}

/** The JobStore's sequential model, for {@link check}: states are sets of store states (see the top of this file). */
export function jobStoreModel(options: JobStoreModelOptions = {}): Model<StoreStates, JobInput, JobOutput> {
  const describeOne = (s: StoreState): string => {
    if (s.jobs.size === 0) return 'no jobs';
    const jobs = [...s.jobs.values()].map((j) => describeJobOutput({ value: j })).join(' ');
    return `${jobs}; pending queue [${s.pending.join(', ')}]; retry list [${s.retry.join(', ')}]`;
  };
  return {
    init: () => statesOf([emptyStoreState()]),
    step(states, input, output): StepResult<StoreStates> {
      if (output !== UNKNOWN && 'error' in output && NO_EFFECT_ERRORS.has(output.error)) return { ok: true, state: states };
      const next = new Map<string, StoreState>();
      for (const s of states.alts) {
        for (const e of jobOpEffects(s, input, options.capacity)) {
          if (output === UNKNOWN || sameOutput(e.out, output)) next.set(e.state.key, e.state);
        }
      }
      if (next.size === 0) return { ok: false, state: states };
      return { ok: true, state: statesOf([...next.values()]) };
    },
    hash: (s) => s.key,
    partition: (ops) => partitionJobHistory(ops, options),
    describeOperation: (input, output) => `${describeJobInput(input)} -> ${describeJobOutput(output)}`,
    describeState: (s) => (s.alts.length === 1 ? describeOne(s.alts[0] as StoreState) : `one of ${s.alts.length}: ${s.alts.map(describeOne).join(' | ')}`),
    expected(s, input) {
      const outs = new Set(s.alts.flatMap((a) => jobOpEffects(a, input, options.capacity).map((e) => describeJobOutput(e.out))));
      return outs.size === 0 ? 'that it cannot happen (nothing to retry or reclaim, or that job is not processing)' : [...outs].join(' or ');
    },
    readOnly: (input) => input.op === 'get' || input.op === 'counts' || input.op === 'list' || (input.op === 'retryFailed' && !input.atomic) || input.op === 'reclaimStalled',
  };
}
