/** Test-only entry point: `@atomic-jobs/store/testing`. */
export { setFaultHook } from './faults.js';
export type { FaultHook, FaultPoint } from './faults.js';
export { holdJobLock, lockStatisticsRanges } from './lock-holder.js';
