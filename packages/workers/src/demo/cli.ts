/**
 * `pnpm demo`: make races visible. Every scenario runs a deliberately broken
 * variant and the store side by side on the same piscina pool, then the job
 * scenario compares the store with the comlink baseline.
 * Exit status: 0 all clean on the store side, 1 the store side showed an anomaly (or the run failed), 2 bad flags.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, JobStore } from '@atomic-jobs/store';
import { startComlinkBaseline } from '../baseline/client.js';
import { RacePool } from '../pool.js';
import { DEMO_SCENARIOS, type DemoScenarioName } from './layout.js';
import { formatReport, storeFailed, toJson, type DemoReport, type ScenarioOutcome } from './report.js';
import { SCENARIOS, runSide } from './scenarios.js';

/** @default at least 2 racing threads, even on one core (time slicing still interleaves them) */
const DEFAULT_WORKERS = Math.max(2, availableParallelism());
/** @default iterations per worker per scenario */
const DEFAULT_ITERATIONS = 50_000;
/** @default jobs in the job-processing scenario */
const DEFAULT_JOBS = 2_000;
/** @default spin iterations inside each racing window */
const DEFAULT_WINDOW_WORK = 1_000;
/** Simulated work per attempt in the job scenario: small, so store overhead dominates the comparison. */
const JOB_WORK = 100;

const HELP = `Usage: pnpm demo [options]   (node packages/workers/dist/demo/cli.js)

Runs five race scenarios on real worker threads and shared memory, each twice:
a deliberately broken variant and the atomic-jobs store (or its Mutex), with
the same workers and load; then the job-processing scenario on the store and
on the comlink baseline (one thread owning a Map).

Scenarios: ${DEMO_SCENARIOS.map((s, i) => `${i + 1} ${s}`).join(', ')}

Options:
  --workers <n>       worker threads racing (default: available cores, at least 2; here ${DEFAULT_WORKERS})
  --iterations <n>    operations per worker per scenario (default ${DEFAULT_ITERATIONS})
  --scenario <s>      run only these scenarios: names or numbers, comma-separated (default: all)
  --jobs <n>          jobs in the job-processing scenario (default ${DEFAULT_JOBS})
  --window-work <n>   simulated work inside each racing window (default ${DEFAULT_WINDOW_WORK})
  --json              print exactly one JSON object on stdout (progress stays on stderr)
  -h, --help          show this help

Exit status: 0 the store side was clean, 1 the store side showed an anomaly or the run failed, 2 bad flags.`;

class UsageError extends Error {}

interface Flags {
  workers: number;
  iterations: number;
  scenarios: DemoScenarioName[];
  jobs: number;
  windowWork: number;
  json: boolean;
  help: boolean;
}

function intFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(new InvalidArgumentError(`--${name}`, `an integer from ${min} to ${max}`, raw).message);
  }
  return n;
}

function parseFlags(argv: string[]): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        workers: { type: 'string' },
        iterations: { type: 'string' },
        scenario: { type: 'string' },
        jobs: { type: 'string' },
        'window-work': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let scenarios: DemoScenarioName[] = [...DEMO_SCENARIOS];
  if (values.scenario !== undefined && values.scenario !== 'all') {
    scenarios = values.scenario.split(',').map((part) => {
      const s = part.trim();
      const byNumber = /^[1-9]$/.test(s) ? DEMO_SCENARIOS[Number(s) - 1] : undefined;
      const found = byNumber ?? DEMO_SCENARIOS.find((name) => name === s);
      if (found === undefined) {
        throw new UsageError(new InvalidArgumentError('--scenario', `'all' or a comma-separated list of 1-5 or ${DEMO_SCENARIOS.join(', ')}`, s).message);
      }
      return found;
    });
  }
  return {
    workers: intFlag('workers', values.workers, DEFAULT_WORKERS, 1, 64),
    iterations: intFlag('iterations', values.iterations, DEFAULT_ITERATIONS, 1, 10_000_000),
    scenarios: [...new Set(scenarios)],
    jobs: intFlag('jobs', values.jobs, DEFAULT_JOBS, 1, 1_000_000),
    windowWork: intFlag('window-work', values['window-work'], DEFAULT_WINDOW_WORK, 0, 1_000_000),
    json: values.json,
    help: values.help,
  };
}

/** Progress on stderr only: a bar on a terminal, one line per step otherwise. */
function progress(total: number): { step(label: string): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'demo [{bar}] {value}/{total} {label}', hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: 'starting threads' });
    let done = 0;
    return { step: (label) => bar.update(done++, { label }), stop: () => bar.stop() };
  }
  let n = 0;
  return { step: (label) => process.stderr.write(`[${++n}/${total}] ${label}\n`), stop: () => undefined };
}

async function main(flags: Flags): Promise<DemoReport> {
  const started = performance.now();
  const specs = SCENARIOS.filter((s) => flags.scenarios.includes(s.name));
  const capacity = Math.max(flags.jobs, ...specs.map((s) => s.jobs(flags.iterations, flags.workers))) + 16;
  const store = JobStore.create({ capacity });
  const pool = new RacePool({ store, threads: flags.workers });
  const bar = progress(specs.length * 2 + 2);
  const scenarios: ScenarioOutcome[] = [];
  try {
    for (const spec of specs) {
      bar.step(`${spec.name}: broken`);
      const broken = await runSide(pool, spec, 'broken', flags);
      bar.step(`${spec.name}: store`);
      const safe = await runSide(pool, spec, 'safe', flags);
      scenarios.push({ spec, expected: spec.expected(flags.iterations, flags.workers), broken, safe });
    }
    const jobOptions = { jobs: flags.jobs, workIterations: JOB_WORK };
    bar.step('job scenario: store');
    const storeRun = await pool.runJobScenario(jobOptions);
    bar.step('job scenario: comlink baseline');
    const baseline = await startComlinkBaseline();
    try {
      const baselineRun = await pool.runBaselineJobScenario(baseline, jobOptions);
      return { workers: flags.workers, iterations: flags.iterations, scenarios, jobScenario: { jobs: flags.jobs, store: storeRun, baseline: baselineRun }, wallMs: performance.now() - started };
    } finally {
      await baseline.close();
    }
  } finally {
    bar.stop();
    await pool.close();
  }
}

async function cli(): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`demo: ${err.message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const report = await main(flags);
  process.stdout.write(flags.json ? `${JSON.stringify(toJson(report))}\n` : `${formatReport(report)}\n`);
  return storeFailed(report) ? 1 : 0;
}

cli().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
