export { check, DEFAULT_MAX_STEPS, DEFAULT_MINIMIZE_MS, DEFAULT_TIMEOUT_MS } from './check.js';
export { search, isUnknown } from './search.js';
export type { Limits, SearchFrom, SearchOutcome } from './search.js';
export { minimize } from './minimize.js';
export type { Shrunk } from './minimize.js';
export { renderHistory, renderViolation } from './render.js';
export { renderSvg, renderHtml, writeTimeline } from './timeline.js';
export type { TimelineOptions } from './timeline.js';
export { UNKNOWN } from './types.js';
export type {
  Unknown,
  Operation,
  StepResult,
  Partition,
  Model,
  Budget,
  CheckOptions,
  Verdict,
  PartitionResult,
  Blocked,
  Violation,
  CheckResult,
} from './types.js';
export {
  jobStoreModel,
  jobView,
  applyJobOp,
  jobOpEffects,
  emptyStoreState,
  partitionJobHistory,
  NO_EFFECT_ERRORS,
} from './job-store-model.js';
export { describeJobInput, describeJobOutput } from './job-outputs.js';
export type { JobInput, DeterministicJobInput, JobOutput, JobView, CountsView, StoreState, StoreStates, Effect, JobStoreModelOptions } from './job-store-model.js';
