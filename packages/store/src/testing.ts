/** Test-only entry point: `@atomic-jobs/store/testing`. */
export { setFaultHook } from './faults.js';
export type { FaultHook, FaultPoint } from './faults.js';
export { countedSleepers, holdJobLock, jobLockOffset, lockStatisticsRanges, sleepingThreads } from './lock-holder.js';
