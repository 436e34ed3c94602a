/**
 * Everything the main thread sends to a pool worker, as one discriminated
 * union (piscina carries it; worker.ts dispatches on `type`). Each racing
 * task carries the run's start gate; the store itself is never in a task:
 * workers attach to it once, from workerData, when they start.
 */
import type { MessagePort } from 'node:worker_threads';
import type { StoreHandle } from '@atomic-jobs/store';
import type { JobScenarioConfig, JobWorkerResult } from './job-scenario.js';
import type { DemoScenarioName, DemoVariant, DemoWorkerResult } from './demo/layout.js';

/** What every pool worker receives once, at start. */
export interface PoolWorkerData {
  readonly kind: 'atomic-jobs/pool';
  readonly store: StoreHandle;
}

/** Int32 slots of a job run's control buffer. */
export const JOB_CTRL_FINALIZED = 0; // jobs that reached a terminal state (completed, or failed with no retries left)
export const JOB_CTRL_IDLE = 1; // never written: idle workers Atomics.wait on it as a short sleep
export const JOB_CTRL_ABORTED = 2; // set to 1 by a worker that saw a refusal or a stall: everyone stops
export const JOB_CTRL_WORDS = 3;

interface RaceTask {
  /** 0 .. workers - 1; worker 0 is the producer, worker `workers - 1` the sweeper. */
  readonly worker: number;
  readonly workers: number;
  /** createGate(workers): the task waits there until every racing task has started. */
  readonly gate: SharedArrayBuffer;
}

/** The job scenario against the shared-memory store the worker attached to. */
export interface JobTask extends RaceTask {
  readonly type: 'jobs';
  readonly control: SharedArrayBuffer;
  readonly prefix: string;
  readonly config: JobScenarioConfig;
}

/** The same scenario against the comlink baseline, over a port from ComlinkBaseline.connect(). */
export interface BaselineJobTask extends RaceTask {
  readonly type: 'jobs-baseline';
  readonly control: SharedArrayBuffer;
  readonly prefix: string;
  readonly config: JobScenarioConfig;
  readonly port: MessagePort;
}

/** One side (broken or safe) of one demo scenario. */
export interface DemoTask extends RaceTask {
  readonly type: 'demo';
  readonly scenario: DemoScenarioName;
  readonly variant: DemoVariant;
  /** The scenario's shared memory (demo/layout.ts). */
  readonly memory: SharedArrayBuffer;
  /** Store job ids are `${prefix}${index}`. */
  readonly prefix: string;
  readonly jobs: number;
  readonly iterations: number;
  /** Work done inside each racing window (between read and write). */
  readonly windowWork: number;
}

export type PoolTask = JobTask | BaselineJobTask | DemoTask;

export interface PoolResults {
  jobs: JobWorkerResult;
  'jobs-baseline': JobWorkerResult;
  demo: DemoWorkerResult;
}
