/**
 * The Go original's InMemoryJobStore, ported literally: a Map<string, Job>
 * guarded by nothing at all. In Go a sync.RWMutex made it safe; in JavaScript
 * it is safe only because exactly one thread owns it (see owner.ts) and every
 * other thread reaches it through comlink messages, which the owner's event
 * loop runs one at a time. This is the design users would otherwise build, so
 * the demo and the benchmarks measure the shared-memory store against it.
 *
 * Same method names, snapshot shape, transition table (canTransition from
 * @atomic-jobs/store) and error classes/codes as JobStore.
 */
import {
  AbortedError,
  DuplicateJobError,
  InvalidArgumentError,
  InvalidTransitionError,
  JobNotFoundError,
  JobProcessingError,
  StaleClaimError,
  canTransition,
  isJobStatus,
} from '@atomic-jobs/store';
import type { CreateOptions, JobCounts, JobSnapshot, JobStatus, ListOptions, UpdateOptions } from '@atomic-jobs/store';

/** The Go `domain.Job`, as a mutable record owned by the Map. */
interface Job {
  id: string;
  status: JobStatus;
  attempts: number;
  maxRetries: number;
  lastError: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** @default 3, as in JobStore. */
const DEFAULT_MAX_RETRIES = 3;

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('id', 'a non-empty string', id);
  return id;
}

function checkStatus(status: unknown, name = 'status'): JobStatus {
  if (!isJobStatus(status)) {
    throw new InvalidArgumentError(name, "one of 'pending', 'processing', 'completed', 'failed'", status);
  }
  return status;
}

function snapshot(job: Job): JobSnapshot {
  return {
    id: job.id,
    status: job.status,
    attempts: job.attempts,
    maxRetries: job.maxRetries,
    lastError: job.lastError,
    lastErrorTruncated: false,
    version: job.version,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

export class InMemoryJobStore {
  readonly #jobs = new Map<string, Job>();
  /**
   * claimNext keeps its own FIFO of ids that entered `pending`, so it is O(1)
   * amortised and hands jobs out in the same order as JobStore (a retried job
   * goes to the back). Entries are checked lazily: an id whose job is no
   * longer pending (claimed by id, removed) is skipped when it reaches the head.
   * A literal Go port would scan the map (O(n) per claim), which would make
   * the throughput comparison unfair to the baseline.
   */
  #queue: string[] = [];
  #head = 0;

  create(id: string, options?: CreateOptions): JobSnapshot {
    checkId(id);
    const maxRetries = options?.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new InvalidArgumentError('options.maxRetries', 'an integer from 0 to 2147483647', maxRetries);
    }
    if (this.#jobs.has(id)) throw new DuplicateJobError(id);
    const now = Date.now();
    const job: Job = { id, status: 'pending', attempts: 0, maxRetries, lastError: null, version: 1, createdAt: now, updatedAt: now };
    this.#jobs.set(id, job);
    this.#queue.push(id);
    return snapshot(job);
  }

  get(id: string): JobSnapshot | undefined {
    checkId(id);
    const job = this.#jobs.get(id);
    return job === undefined ? undefined : snapshot(job);
  }

  /** pending -> processing for this job; undefined when it is not pending. */
  claim(id: string): JobSnapshot | undefined {
    checkId(id);
    const job = this.#jobs.get(id);
    if (job === undefined) throw new JobNotFoundError(id);
    return job.status === 'pending' ? this.#apply(job, 'processing', undefined) : undefined;
  }

  /** The oldest pending job -> processing; undefined when none is pending. */
  claimNext(): JobSnapshot | undefined {
    while (this.#head < this.#queue.length) {
      const id = this.#queue[this.#head++] as string;
      const job = this.#jobs.get(id);
      if (job !== undefined && job.status === 'pending') {
        this.#compact();
        return this.#apply(job, 'processing', undefined);
      }
    }
    this.#compact();
    return undefined;
  }

  /**
   * The Go UpdateStatus: check the context, look up, validate, update every field, save once.
   * `options.attempt` is honoured as in JobStore. `signal` works only for local calls (an
   * AbortSignal cannot cross a MessagePort); `timeoutMs` is ignored: there is no lock to wait for.
   */
  updateStatus(id: string, status: JobStatus, lastError?: string | null, options?: UpdateOptions): JobSnapshot {
    checkId(id);
    const to = checkStatus(status);
    if (lastError !== undefined && lastError !== null && typeof lastError !== 'string') {
      throw new InvalidArgumentError('lastError', 'a string, null or undefined', lastError);
    }
    if (options?.signal?.aborted === true) throw new AbortedError(options.signal.reason);
    const job = this.#jobs.get(id);
    if (job === undefined) throw new JobNotFoundError(id);
    const attempt = options?.attempt;
    if (attempt !== undefined && (job.status !== 'processing' || job.attempts !== attempt)) {
      throw new StaleClaimError(id, attempt, job.attempts, job.status);
    }
    return this.#apply(job, to, lastError);
  }

  /** The sweeper: failed jobs with attempts < maxRetries -> pending. Returns how many moved. */
  retryFailed(): number {
    let n = 0;
    for (const job of this.#jobs.values()) {
      if (job.status === 'failed' && canTransition('failed', 'pending', job)) {
        this.#apply(job, 'pending', undefined);
        n++;
      }
    }
    return n;
  }

  /** Delete a job. False when absent; JobProcessingError while it is processing. */
  remove(id: string): boolean {
    checkId(id);
    const job = this.#jobs.get(id);
    if (job === undefined) return false;
    if (job.status === 'processing') throw new JobProcessingError(id);
    return this.#jobs.delete(id);
  }

  list(options?: ListOptions): JobSnapshot[] {
    const want = options?.status === undefined ? undefined : checkStatus(options.status, 'options.status');
    const out: JobSnapshot[] = [];
    for (const job of this.#jobs.values()) if (want === undefined || job.status === want) out.push(snapshot(job));
    return out;
  }

  counts(): JobCounts {
    const c: JobCounts = { pending: 0, processing: 0, completed: 0, failed: 0, total: 0 };
    for (const job of this.#jobs.values()) {
      c[job.status]++;
      c.total++;
    }
    return c;
  }

  /** Validate against the one transition table, then change every field before "saving" (no Mistake 3). */
  #apply(job: Job, to: JobStatus, lastError: string | null | undefined): JobSnapshot {
    if (!canTransition(job.status, to, job)) {
      const why = job.status === 'failed' && to === 'pending' ? `no retries left: ${job.attempts} of ${job.maxRetries} attempts used` : undefined;
      throw new InvalidTransitionError(job.id, job.status, to, why);
    }
    if (to === 'processing') job.attempts++;
    if (to === 'pending') this.#queue.push(job.id);
    job.status = to;
    if (lastError !== undefined) job.lastError = lastError;
    job.version++;
    job.updatedAt = Date.now();
    this.#jobs.set(job.id, job);
    return snapshot(job);
  }

  /** Drop consumed queue entries once they dominate the array. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
