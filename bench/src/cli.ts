/**
 * `pnpm bench [--quick] [--filter <text|/regex/>] [--json-out <path>]`
 *
 * Runs every measurement of issue 4 in one process (plus one
 * `node --harmony-struct` child for V8's Atomics.Mutex), prints Markdown on
 * stdout (progress goes to stderr), and writes the JSON results and an SVG
 * chart next to each other, printing the change since the previous JSON.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startComlinkBaseline, type ComlinkBaseline } from '@atomic-jobs/workers';
import { throughputChart } from './chart.js';
import { configFor } from './config.js';
import { mainContenders } from './contenders.js';
import { runContention } from './contention.js';
import { makeMatcher } from './filter.js';
import { machineInfo } from './machine.js';
import { runMessaging } from './messaging.js';
import { PAIR_LOCK_CAS, PAIR_STORE_COMLINK, pairLockCas, pairStoreComlink } from './paired.js';
import { WorkerPool } from './pool.js';
import { MAX_THREADS, PAIRED_MUTEX, perJobVsGlobalName } from './protocol.js';
import { computeRatios } from './ratios.js';
import { markdown, readPrevious, writeJson } from './report.js';
import type { ContentionResult, PairedResult, Results, SingleResult } from './results.js';
import { runLockSingles } from './single.js';
import { runStoreOps } from './store-ops.js';
import { runV8Child } from './v8-mutex.js';
import { benchPostgres, formatPostgresBench, type PgBenchResult } from './postgres-bench.js';

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:54329/atomic_jobs_test';

const HELP = `Usage: pnpm bench [options]

Measures our Mutex and JobStore against the hardware floor, V8's native
Atomics.Mutex and a comlink (message-passing) baseline, single-threaded and
at 1, 2, 4 and 8 threads.

Options:
  --quick            short run (< 60 s on 2 cores), for CI smoke runs
  --filter <f>       only tasks whose name contains f (case-insensitive), or
                     matches /regex/; names look like single/mutex-lock-unlock,
                     single/store-1m/get, paired/lock-vs-cas-pair, contention/mutex/4t
  --json-out <path>  where to write the JSON results (default bench/results/latest.json);
                     the SVG chart goes next to it, same name, .svg
  -h, --help         this text
`;

const DEFAULT_JSON = fileURLToPath(new URL('../results/latest.json', import.meta.url));

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function parse(): ReturnType<typeof parseOptions> | undefined {
  try {
    return parseOptions();
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    process.exitCode = 2;
    return undefined;
  }
}

function parseOptions() {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      'json-out': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

async function main(): Promise<void> {
  const args = parse();
  if (args === undefined) return;
  const { values } = args;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const started = performance.now();
  const cfg = configFor(values.quick);
  const filter = values.filter;
  const matches = makeMatcher(filter);
  const jsonPath = values['json-out'] ?? DEFAULT_JSON;
  const svgPath = jsonPath.replace(/\.json$/i, '') + '.svg';
  const machine = machineInfo();
  const notes: string[] = [];
  const single: SingleResult[] = [];
  const contention: ContentionResult[] = [];
  const paired: PairedResult[] = [];

  let baseline: Promise<ComlinkBaseline> | undefined;
  const getBaseline = (): Promise<ComlinkBaseline> => (baseline ??= startComlinkBaseline());

  try {
    log('single thread: locks');
    single.push(...(await runLockSingles(cfg, matches)));
    const storeOps = await runStoreOps(cfg, matches, log);
    single.push(...storeOps.single);
    paired.push(...storeOps.paired);
    log('single thread: comlink and postMessage round trips');
    single.push(...(await runMessaging(cfg, matches, getBaseline)));
    log('single thread: pairs in alternating rounds');
    if (matches(PAIR_LOCK_CAS)) paired.push(await pairLockCas(cfg));
    if (matches(PAIR_STORE_COMLINK)) paired.push(await pairStoreComlink(cfg, getBaseline));

    log('V8 Atomics.Mutex (child process, node --harmony-struct)');
    let v8 = await runV8Child(cfg, filter, log);
    if (!v8.ok && v8.crashed) {
      notes.push(`The --harmony-struct child crashed once and was run again: ${v8.reason}`);
      log(`V8 child crashed, running it once more: ${v8.reason}`);
      v8 = await runV8Child(cfg, filter, log);
    }
    if (v8.ok) {
      single.push(...v8.single);
      contention.push(...v8.contention);
      paired.push(...v8.paired);
    } else {
      notes.push(`V8 Atomics.Mutex skipped: ${v8.reason}`);
      log(`V8 Atomics.Mutex skipped: ${v8.reason}`);
    }

    log(`contention: ${MAX_THREADS} warm workers`);
    const pool = await WorkerPool.start(Math.min(MAX_THREADS, Math.max(...cfg.threads)));
    try {
      const run = await runContention(pool, mainContenders(getBaseline), cfg, matches, log, [
        { name: perJobVsGlobalName, a: 'store-perjob-distinct', b: 'store-global-distinct' },
      ]);
      contention.push(...run.contention);
      paired.push(...run.paired);
    } finally {
      await pool.close();
    }
  } finally {
    if (baseline !== undefined) await (await baseline).close();
  }

  // The price of leaving one machine: the same contract on PostgreSQL
  // (a server from `bash scripts/pg-setup.sh`, or ATOMIC_JOBS_PG_URL).
  let postgres: PgBenchResult | null = null;
  if (matches('postgres/claimNext') || matches('postgres/updateStatus')) {
    const url = process.env['ATOMIC_JOBS_PG_URL'] ?? DEFAULT_PG_URL;
    log(`PostgreSQL store at ${url.replace(/\/\/[^@]*@/, '//')}: 1, 4, 16 clients`);
    try {
      postgres = await benchPostgres({ url, clients: [1, 4, 16], durationMs: cfg.quick ? 300 : 2000, claimOrders: cfg.quick ? ['fifo'] : ['fifo', 'skip-locked'] });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      notes.push(`PostgreSQL store skipped (start a server with \`bash scripts/pg-setup.sh\`): ${why}`);
      log(`PostgreSQL skipped: ${why}`);
    }
  }

  notes.push(...explain(contention));
  const order = (r: ContentionResult): number => ['racy-increment', 'atomics-add', 'mutex', PAIRED_MUTEX, 'v8-mutex'].indexOf(r.contender) >>> 0;
  contention.sort((a, b) => order(a) - order(b) || a.contender.localeCompare(b.contender) || a.threads - b.threads);
  const results: Results = {
    format: 'atomic-jobs-bench/1',
    date: new Date().toISOString(),
    command: ['pnpm bench', ...process.argv.slice(2)].join(' '),
    quick: cfg.quick,
    filter: filter ?? null,
    durationSec: (performance.now() - started) / 1000,
    config: cfg,
    machine,
    single,
    contention,
    paired,
    ratios: computeRatios(cfg, single, contention, paired),
    postgres,
    notes,
  };
  const previous = readPrevious(jsonPath);
  writeJson(jsonPath, results);
  writeFileSync(svgPath, throughputChart(contention, `Throughput vs threads · ${machine.cpuModel}, ${machine.cores} cores · Node ${machine.node}`));
  process.stdout.write(markdown(results, previous));
  if (postgres !== null) process.stdout.write(`\n## PostgreSQL store (@atomic-jobs/postgres)\n\n${formatPostgresBench(postgres)}\n`);
  log(`wrote ${jsonPath} and ${svgPath} in ${results.durationSec.toFixed(1)} s`);
}

/** Notes that make the table readable: lost updates, lock violations, the machine's oversubscription. */
function explain(rows: readonly ContentionResult[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    if (r.counter === undefined || r.counter.got === r.counter.expected) continue;
    if (r.contender === 'racy-increment') {
      notes.push(`racy-increment at ${r.threads} threads counted ${r.counter.got.toLocaleString('en-US')} of ${r.counter.expected.toLocaleString('en-US')} increments: the unlocked counter is wrong.`);
    } else {
      notes.push(`LOCK VIOLATION: ${r.contender} at ${r.threads} threads counted ${r.counter.got} of ${r.counter.expected} increments under the lock.`);
    }
  }
  const cores = machineInfo().availableParallelism;
  const over = [...new Set(rows.filter((r) => r.threads > cores).map((r) => r.threads))];
  if (over.length > 0) notes.push(`${over.join(' and ')} threads exceed the ${cores} available cores: those rows measure time-slicing as much as the lock.`);
  return notes;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
