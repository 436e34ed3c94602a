export { JobStore } from './store.js';
export { Mutex } from './mutex.js';
export {
  JOB_STATUSES,
  TRANSITIONS,
  canTransition,
  isJobStatus,
} from './transitions.js';
export type { JobStatus, Transition, RetryBudget } from './transitions.js';
export {
  JobStoreError,
  JobNotFoundError,
  InvalidTransitionError,
  DuplicateJobError,
  StoreFullError,
  RegistryFullError,
  LockTimeoutError,
  AbortedError,
  InvalidArgumentError,
  StoreFormatError,
  NotOwnerError,
  DeadlockError,
  JobProcessingError,
  StaleClaimError,
  DetachedError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export type { LockStats } from './lock-stats.js';
export type { LockOptions, UpdateOptions, StoreOptions, AttachOptions, CreateOptions, ListOptions, Locking, ReadMode, ReclaimOptions, RetryOptions } from './options.js';
export type { JobSnapshot, JobCounts, StoreStats, StoreHandle, RecoveryStats } from './types.js';
