/**
 * `pnpm stress` (node test/dist/src/stress/cli.js): race a piscina pool on
 * the store and check every recorded history for linearizability. Flags: see
 * USAGE below (`--help`). Progress goes to stderr about once a second, the
 * seed first of all, so any run can be replayed.
 */
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@atomic-jobs/store';
import { runStress, type StressOptions } from './run.js';

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name}`, `an integer >= ${min}`, raw);
  return n;
}

const USAGE = `Usage: pnpm stress [options]
  --workers N        pool workers                                  (default 4)
  --ops N            operations in total, at most                  (default 20000)
  --duration S       seconds, at most                              (default 60)
  --seed N           seed of the operation sequences               (default random, printed)
  --locking M        global | per-job | both                       (default both)
  --jobs N           hot jobs                                       (default 4)
  --history N        operations per checked history                (default 400)
  --check-timeout S  checker budget per history, seconds           (default 30)
  --impl I           real | check-then-act (deliberately broken)   (default real)
  --reads R          seqlock | locked: how the workers read jobs   (default: the store's, seqlock on x64)
  --pause P          chance of a 0.1-1 ms pause at each fault point inside
                     the store's critical sections (0..1)         (default 0)
  --kill-every MS    terminate a random worker about every MS ms   (default 0: never)
  --kill-inside P    chance, at each fault point, that the thread parks
                     there and is killed inside the critical section (default 0)
  --hang-timeout S   a history still running after S s is hung     (default 60)
  --out DIR          where violation timelines (HTML) are written  (default stress-violations)
  --json             print one JSON summary object on stdout
Exit code 0 only with 0 violations, 0 unknown verdicts and nothing hung.
`;

function chance(raw: string | undefined, flag = '--pause'): number {
  if (raw === undefined) return 0;
  const p = Number(raw);
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(flag, 'a number from 0 to 1', raw);
  return p;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { values } = parseArgs({
    options: {
      workers: { type: 'string' }, ops: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' },
      locking: { type: 'string' }, jobs: { type: 'string' }, history: { type: 'string' }, 'check-timeout': { type: 'string' },
      out: { type: 'string' }, json: { type: 'boolean' }, impl: { type: 'string' }, reads: { type: 'string' }, 'kill-every': { type: 'string' }, 'kill-inside': { type: 'string' }, pause: { type: 'string' }, 'hang-timeout': { type: 'string' },
    },
    strict: true,
  });
  const locking = values.locking ?? 'both';
  if (locking !== 'global' && locking !== 'per-job' && locking !== 'both') {
    throw new InvalidArgumentError('--locking', "'global', 'per-job' or 'both'", locking);
  }
  const impl = values.impl ?? 'real';
  if (impl !== 'real' && impl !== 'check-then-act') throw new InvalidArgumentError('--impl', "'real' or 'check-then-act'", impl);
  const reads = values.reads;
  if (reads !== undefined && reads !== 'seqlock' && reads !== 'locked') throw new InvalidArgumentError('--reads', "'seqlock', 'locked' or undefined", reads);
  const seed = int('seed', values.seed, Math.floor(Math.random() * 0x7fffffff), 0);
  const o: StressOptions = {
    workers: int('workers', values.workers, 4, 1),
    ops: int('ops', values.ops, 20_000, 1),
    durationMs: int('duration', values.duration, 60, 1) * 1000,
    seed,
    locking,
    impl,
    reads,
    jobs: int('jobs', values.jobs, 4, 1),
    historyOps: int('history', values.history, 400, 1),
    checkTimeoutMs: int('check-timeout', values['check-timeout'], 30, 1) * 1000,
    pauseChance: chance(values.pause),
    killInsideChance: chance(values['kill-inside'], '--kill-inside'),
    killEveryMs: int('kill-every', values['kill-every'], 0, 0),
    hangMs: int('hang-timeout', values['hang-timeout'], 60, 1) * 1000,
    outDir: values.out ?? 'stress-violations',
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastPrint < 1000) return;
      lastPrint = now;
      process.stderr.write(`[stress] ${p.operations} ops, ${p.histories} histories, ${p.violations} violations, ${p.unknown} unknown, ${(p.elapsedMs / 1000).toFixed(1)} s\n`);
    },
  };
  let lastPrint = performance.now();
  const replay = `--seed ${seed} --workers ${o.workers} --ops ${o.ops} --locking ${locking} --jobs ${o.jobs} --history ${o.historyOps}${o.pauseChance ? ` --pause ${o.pauseChance}` : ''}${o.killEveryMs ? ` --kill-every ${o.killEveryMs}` : ''}${o.killInsideChance ? ` --kill-inside ${o.killInsideChance}` : ''}${impl === 'real' ? '' : ` --impl ${impl}`}${reads === undefined ? '' : ` --reads ${reads}`}`;
  process.stderr.write(`[stress] seed ${seed} (replay the same operation sequences with: pnpm stress ${replay})\n`);
  const s = await runStress(o);
  for (const r of s.reports) process.stderr.write(`\n${r}\n`);
  for (const f of s.files) process.stderr.write(`timeline written: ${f}\n`);
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
  } else {
    process.stdout.write(
      [
        `seed ${s.seed}: ${s.operations} operations by ${s.workers} workers on ${s.jobs} hot jobs, ${s.histories} histories (${s.byLocking['per-job']} per-job locking, ${s.byLocking.global} global)`,
        `checked: ${s.checkedWhole} whole (claimNext/retryFailed in them), ${s.checkedPerJob} split per job; ${s.partitions} sub-histories`,
        `${(100 * s.overlapping).toFixed(0)}% of operations overlapped an operation of another thread`,
        `violations ${s.violations}, unknown ${s.unknown}, unknown-outcome operations ${s.unknownOutcomeOps}`,
        `workers killed ${s.workersKilled}, tasks hung ${s.hung}, locks recovered ${s.locksRecovered}, jobs repaired ${s.jobsRepaired}, stalled reclaimed ${s.stalledReclaimed}`,
        `time ${(s.elapsedMs / 1000).toFixed(1)} s, of which checker ${(s.checkerMs / 1000).toFixed(1)} s (slowest history ${s.maxHistoryCheckMs.toFixed(0)} ms)`,
        `operations: ${JSON.stringify(s.opCounts)}`,
        `errors: ${JSON.stringify(s.errorCounts)}`,
      ].join('\n') + '\n',
    );
  }
  return s.violations === 0 && s.unknown === 0 && s.hung === 0 ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`[stress] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
