/** The demo's output: the table for people, the one JSON object for machines. */
import type { JobRunReport } from '../job-scenario.js';
import type { ScenarioSpec, SideResult } from './scenarios.js';

export interface ScenarioOutcome {
  readonly spec: ScenarioSpec;
  readonly expected: number;
  readonly broken: SideResult;
  readonly safe: SideResult;
}

export interface JobComparison {
  readonly jobs: number;
  readonly store: JobRunReport;
  readonly baseline: JobRunReport;
}

export interface DemoReport {
  readonly workers: number;
  readonly iterations: number;
  readonly scenarios: readonly ScenarioOutcome[];
  readonly jobScenario: JobComparison | undefined;
  readonly wallMs: number;
}

/** True when the store side did anything wrong anywhere: the demo then exits non-zero. */
export function storeFailed(report: DemoReport): boolean {
  return report.scenarios.some((s) => s.safe.anomalies > 0) || (report.jobScenario?.store.problems.length ?? 0) > 0;
}

export function verdict(o: ScenarioOutcome): string {
  if (o.safe.anomalies > 0) return 'FAIL: the store side shows anomalies';
  if (o.broken.anomalies === 0) return 'broken variant showed NO anomaly this run (race not hit); store clean';
  return 'race shown; the store prevented it';
}

export function toJson(report: DemoReport): unknown {
  const jobs = report.jobScenario;
  return {
    workers: report.workers,
    scenarios: report.scenarios.map((o) => ({
      name: o.spec.name,
      expected: o.expected,
      unsafe: { anomalies: o.broken.anomalies, opsPerSec: Math.round(o.broken.opsPerSec) },
      safe: { anomalies: o.safe.anomalies, opsPerSec: Math.round(o.safe.opsPerSec) },
    })),
    baseline: { name: 'comlink', opsPerSec: jobs === undefined ? null : Math.round(jobs.baseline.attemptsPerSec) },
  };
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: readonly string[]): string => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const [head, ...body] = rows;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

export function formatReport(report: DemoReport): string {
  const out: string[] = [];
  out.push(`atomic-jobs race demo: ${report.workers} worker threads, ${report.iterations} iterations per worker per scenario`);
  out.push('Each scenario runs twice on the same workers and load: a deliberately broken variant, then the store (or its Mutex).');
  out.push('');
  out.push(
    table([
      ['scenario', 'expected', 'broken result', 'broken anomalies', 'store anomalies', 'broken ops/s', 'store ops/s', 'verdict'],
      ...report.scenarios.map((o) => [
        o.spec.name,
        String(o.expected),
        String(o.broken.value),
        String(o.broken.anomalies),
        String(o.safe.anomalies),
        rate(o.broken.opsPerSec),
        rate(o.safe.opsPerSec),
        verdict(o),
      ]),
    ]),
  );
  out.push('');
  for (const o of report.scenarios) {
    const refused = o.safe.refusals > 0 ? `; the store refused ${o.safe.refusals} stale changes` : '';
    out.push(`  ${o.spec.title}: expected/result = ${o.spec.unit}${refused}`);
  }
  const missed = report.scenarios.filter((o) => o.broken.anomalies === 0);
  if (missed.length > 0) {
    out.push('');
    out.push(`NOTE: the broken variant of ${missed.map((o) => o.spec.name).join(', ')} showed no anomaly in this run.`);
    out.push('      Races depend on timing; try more --iterations or --workers. This is not hidden: the store was not tested harder than the broken code.');
  }
  const j = report.jobScenario;
  if (j !== undefined) {
    out.push('');
    out.push(`Job-processing scenario (${j.jobs} jobs, ${report.workers} workers: claimNext, simulated work, complete or fail, sweeper retryFailed):`);
    const line = (name: string, r: JobRunReport): string =>
      `  ${name.padEnd(26)} ${rate(r.attemptsPerSec).padStart(7)} attempts/s  ${r.counts.completed} completed, ${r.counts.failed} failed, ${r.attempts} attempts  ${r.problems.length === 0 ? 'counts exact' : `PROBLEMS: ${r.problems.slice(0, 3).join('; ')}`}`;
    out.push(line('shared-memory store', j.store));
    out.push(line('comlink baseline (1 owner)', j.baseline));
    const ratio = j.store.attemptsPerSec / Math.max(j.baseline.attemptsPerSec, 1e-9);
    out.push(`  expected: ${j.store.expected.counts.completed} completed, ${j.store.expected.counts.failed} failed, ${j.store.expected.attempts} attempts; store / baseline throughput = ${ratio.toFixed(1)}x`);
  }
  out.push('');
  out.push(storeFailed(report) ? 'RESULT: FAIL - the store side showed anomalies (exit status 1).' : 'RESULT: OK - no anomaly on the store side.');
  out.push(`Wall time ${(report.wallMs / 1000).toFixed(1)} s.`);
  return out.join('\n');
}
