/**
 * The pool's in-thread entry (piscina loads it in every worker). The worker
 * attaches to the store once, here, when it starts: the handle travels in
 * workerData, and every task then uses the same JobStore instance.
 */
import { workerData } from 'node:worker_threads';
import { JobStore } from '@atomic-jobs/store';
import { releaseProxy } from 'comlink';
import { wrapBaseline } from './baseline/client.js';
import { runDemoTask } from './demo/race-worker.js';
import { runJobsOnBaseline, runJobsOnStore } from './job-worker.js';
import type { PoolResults, PoolTask, PoolWorkerData } from './protocol.js';

const data = workerData as PoolWorkerData;
if (data?.kind !== 'atomic-jobs/pool') throw new Error('workers/worker.js must be started by RacePool (workerData.kind is missing)');
const store = JobStore.attach(data.store);

export default async function run(task: PoolTask): Promise<PoolResults[PoolTask['type']]> {
  switch (task.type) {
    case 'jobs':
      return runJobsOnStore(store, task);
    case 'jobs-baseline': {
      // The baseline is a different store per run, reached over the port this task carries.
      const remote = wrapBaseline(task.port);
      try {
        return await runJobsOnBaseline(remote, task);
      } finally {
        remote[releaseProxy]();
        task.port.close();
      }
    }
    case 'demo':
      return runDemoTask(store, task);
  }
}
