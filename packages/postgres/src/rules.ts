/**
 * What the SQL needs from the store's transition table, derived from
 * `TRANSITIONS` itself (one source of truth, never a copy): for each target
 * status, the statuses it may come from, which of those are allowed only
 * while retries are left, and whether the move touches the pending queue or
 * the retry list (then FIFO mode takes the queue lock).
 */
import { JOB_STATUSES, TRANSITIONS, type JobStatus } from '@atomic-jobs/store';

export interface Rule {
  readonly sources: readonly JobStatus[];
  readonly guarded: readonly JobStatus[];
  readonly touchesQueues: boolean;
}

/** Statuses that have a list: pending (the claim queue) and failed (the retry list). */
const LISTED: ReadonlySet<JobStatus> = new Set<JobStatus>(['pending', 'failed']);

export const RULES: Readonly<Record<JobStatus, Rule>> = Object.freeze(
  Object.fromEntries(
    JOB_STATUSES.map((to) => {
      const into = TRANSITIONS.filter((t) => t.to === to);
      const rule: Rule = {
        sources: into.map((t) => t.from),
        guarded: into.filter((t) => t.guard === 'retries-left').map((t) => t.from),
        touchesQueues: into.some((t) => LISTED.has(t.from) || LISTED.has(t.to)),
      };
      return [to, Object.freeze(rule)];
    }),
  ) as Record<JobStatus, Rule>,
);

/** The reason the store gives when a guarded transition is refused for lack of retries. */
export function refusalReason(from: JobStatus, to: JobStatus, attempts: number, maxRetries: number): string | undefined {
  const t = TRANSITIONS.find((x) => x.from === from && x.to === to);
  return t?.guard === 'retries-left' ? `no retries left: ${attempts} of ${maxRetries} attempts used` : undefined;
}
