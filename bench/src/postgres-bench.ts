/**
 * The price of leaving one machine: PgJobStore's throughput at 1, 4 and 16
 * concurrent clients, for the worker loop's two calls, claimNext and
 * updateStatus (the fenced `processing -> completed` that ends a job).
 *
 * Clients: one PgJobStore whose pool has exactly `clients` connections, and
 * `clients` async loops each issuing one call at a time. Every client thus has
 * its own server connection (its own backend process), which is what
 * concurrency means to PostgreSQL. One Node process drives them all: the
 * client side of a call is a few microseconds of JS against a round trip of
 * hundreds, and the result reports that process's CPU share so a run where
 * the client itself was the bottleneck can be recognised (on the 2-core
 * development machine it used about half a core, with the server on the
 * same cores). Per client count and claim order, on a fresh schema, three timed
 * phases, each ending after `durationMs` or when it runs out of work:
 *  1. create:       the loops create jobs (this fills the queue);
 *  2. claimNext:    the loops claim until the duration ends or the queue is empty;
 *  3. updateStatus: the loops complete the claimed jobs with their fencing token.
 * ops/s = calls / elapsed of the phase. Both claim orders are measured:
 * 'fifo' (the default: exact FIFO, queue moves serialised by one advisory
 * lock) and 'skip-locked' (FOR UPDATE SKIP LOCKED, approximately FIFO).
 */
import { PgJobStore, type ClaimOrder } from '@atomic-jobs/postgres';
import type { JobSnapshot } from '@atomic-jobs/store';
import { pathToFileURL } from 'node:url';

export interface PgBenchOptions {
  /** Connection string of a server that may be written to (a schema `aj_bench` is dropped and created). */
  url: string;
  /** Concurrent clients to measure, e.g. [1, 4, 16]. */
  clients: number[];
  /** Longest duration of each timed phase, in ms. */
  durationMs: number;
  /**
   * Claim orders to measure.
   * @default ['fifo', 'skip-locked']
   */
  claimOrders?: ClaimOrder[] | undefined;
  /**
   * Schema to use (dropped first and at the end).
   * @default 'aj_bench'
   */
  schema?: string | undefined;
}

export interface PgBenchRow {
  readonly clients: number;
  readonly claimOrder: ClaimOrder;
  readonly op: 'create' | 'claimNext' | 'updateStatus';
  readonly calls: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** True when the phase stopped because it ran out of jobs before `durationMs`. */
  readonly ranOut: boolean;
}

export interface PgBenchResult {
  readonly rows: PgBenchRow[];
  /** CPU time used by this (client) process over the whole run, as a share of one core. */
  readonly clientCpuShare: number;
}

/** Run `clients` loops of `step` until `durationMs` passes or a step returns false. */
async function phase(clients: number, durationMs: number, step: (client: number) => Promise<boolean>): Promise<{ calls: number; elapsedMs: number; ranOut: boolean }> {
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let calls = 0;
  let ranOut = false;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline && !ranOut) {
        if (!(await step(c))) {
          ranOut = true;
          return;
        }
        calls++;
      }
    }),
  );
  return { calls, elapsedMs: performance.now() - t0, ranOut };
}

export async function benchPostgres(opts: PgBenchOptions): Promise<PgBenchResult> {
  const schema = opts.schema ?? 'aj_bench';
  const rows: PgBenchRow[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const claimOrder of opts.claimOrders ?? ['fifo', 'skip-locked']) {
    for (const clients of opts.clients) {
      await PgJobStore.drop({ connectionString: opts.url, schema });
      await PgJobStore.migrate({ connectionString: opts.url, schema });
      const store = PgJobStore.create({ connectionString: opts.url, schema, poolSize: clients, claimOrder });
      try {
        // Open every connection (and prepare the statements) before timing.
        await Promise.all(Array.from({ length: clients }, () => store.counts()));
        let n = 0;
        const created = await phase(clients, opts.durationMs, async () => {
          await store.create(`job-${n++}`);
          return true;
        });
        const claimed: JobSnapshot[] = [];
        const claims = await phase(clients, opts.durationMs, async () => {
          const job = await store.claimNext();
          if (job === undefined) return false;
          claimed.push(job);
          return true;
        });
        let next = 0;
        const updates = await phase(clients, opts.durationMs, async () => {
          const job = claimed[next++];
          if (job === undefined) return false;
          await store.updateStatus(job.id, 'completed', null, { attempt: job.attempts });
          return true;
        });
        for (const [op, r] of [['create', created], ['claimNext', claims], ['updateStatus', updates]] as const) {
          rows.push({ clients, claimOrder, op, calls: r.calls, elapsedMs: r.elapsedMs, opsPerSec: (r.calls * 1000) / r.elapsedMs, ranOut: r.ranOut });
        }
      } finally {
        await store.close();
      }
    }
  }
  await PgJobStore.drop({ connectionString: opts.url, schema });
  const cpu = process.cpuUsage(cpu0);
  return { rows, clientCpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) };
}

/** A plain-text table of the rows. */
export function formatPostgresBench(result: PgBenchResult): string {
  const lines = ['claim order   clients  operation      ops/s      calls   elapsed'];
  for (const r of result.rows) {
    lines.push(
      `${r.claimOrder.padEnd(12)}  ${String(r.clients).padStart(7)}  ${r.op.padEnd(12)}  ${r.opsPerSec.toFixed(0).padStart(7)}  ${String(r.calls).padStart(9)}  ${r.elapsedMs.toFixed(0).padStart(6)} ms${r.ranOut ? '  (ran out of jobs)' : ''}`,
    );
  }
  lines.push(`client process CPU: ${(result.clientCpuShare * 100).toFixed(0)} % of one core`);
  return lines.join('\n');
}

// `node bench/dist/postgres-bench.js [durationMs]`: a standalone run against ATOMIC_JOBS_PG_URL.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env['ATOMIC_JOBS_PG_URL'] ?? 'postgres://postgres@127.0.0.1:54329/atomic_jobs_test';
  const result = await benchPostgres({ url, clients: [1, 4, 16], durationMs: Number(process.argv[2] ?? 2000) });
  console.log(formatPostgresBench(result));
}
