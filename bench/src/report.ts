/** The report: Markdown tables for stdout, the JSON file, and the change against the previous JSON. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { num, pct, si, signedPct } from './format.js';
import { checkTargets } from './ratios.js';
import type { ContentionResult, PairedResult, Results, SingleResult } from './results.js';

const FORMAT = 'atomic-jobs-bench/1';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function singleTable(rows: readonly SingleResult[]): string {
  return table(
    ['task', 'ns/op (median)', 'min', 'p99', 'ops/s', '± %', 'samples', 'one op is'],
    rows.map((r) => [r.name, num(r.nsPerOp), num(r.minNsPerOp), num(r.p99NsPerOp), si(r.opsPerSec), r.rme.toFixed(1), String(r.samples), r.what]),
  );
}

function counterCell(r: ContentionResult): string {
  if (r.counter === undefined) return '';
  const { expected, got } = r.counter;
  if (got === expected) return `exact (${si(got)})`;
  return `${got.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} (${pct(1 - got / expected)} lost)`;
}

function contentionTable(rows: readonly ContentionResult[]): string {
  return table(
    ['contender', 'threads', 'ops/s', '± %', 'wait p50 µs', 'p99 µs', 'max µs', 'contended (rounds / fair)', 'Jain', 'max/min', 'counter'],
    rows.map((r) => [
      r.contender,
      String(r.threads),
      si(r.opsPerSec),
      r.rme.toFixed(1),
      num(r.latencyUs.p50),
      num(r.latencyUs.p99),
      num(r.latencyUs.max),
      r.contendedInRounds === null && r.contendedFraction === null ? 'n/a' : `${pct(r.contendedInRounds)} / ${pct(r.contendedFraction)}`,
      r.jain.toFixed(3),
      r.maxMinShare === null ? 'starved' : r.maxMinShare.toFixed(2),
      counterCell(r),
    ]),
  );
}

function pairedTable(pairs: readonly PairedResult[]): string {
  return table(
    ['pair', 'rounds', 'A ns/op (median)', 'B ns/op (median)', 'B / A (median of rounds)', 'min', 'max', 'A and B are'],
    pairs.map((p) => [p.name, String(p.rounds), num(p.aNsPerOp), num(p.bNsPerOp), num(p.ratio), num(p.ratioMin), num(p.ratioMax), p.what]),
  );
}

function ratioTable(res: Results): string {
  return table(
    ['ratio', 'value', 'target', 'met'],
    checkTargets(res.ratios).map((c) => [c.ratio, num(c.value), c.target, c.met === null ? 'not measured' : c.met ? 'yes' : '**no**']),
  );
}

function jainTable(res: Results): string {
  const threads = [...new Set(res.contention.map((r) => r.threads))].sort((a, b) => a - b);
  return table(
    ['Jain', ...threads.map((t) => `${t}t`)],
    Object.entries(res.ratios.jain).map(([c, byT]) => [c, ...threads.map((t) => num(byT[String(t)]))]),
  );
}

export function markdown(res: Results, previous: Results | undefined): string {
  const m = res.machine;
  const parts = [
    `# atomic-jobs benchmarks${res.quick ? ' (--quick)' : ''}`,
    `${res.date} · \`${res.command}\` · ${m.cpuModel}, ${m.cores} cores · Node ${m.node} (V8 ${m.v8}) · load average ${m.loadAvg.join(' ')} · ${res.durationSec.toFixed(0)} s`,
  ];
  if (res.single.length > 0) parts.push('## Single thread', singleTable(res.single));
  if ((res.paired ?? []).length > 0) parts.push('## Pairs in alternating rounds', pairedTable(res.paired));
  if (res.contention.length > 0) {
    parts.push(
      '## Contention',
      `ops/s: tinybench rounds of N warm workers x K ops each (median round; K sized so a round lasts ~${res.config.roundTargetMs} ms). Wait percentiles, contended fraction (fair) and fairness: ${res.config.fairRounds} x ${res.config.fairDurationMs} ms rounds ended by one shared stop flag, a timer read around every operation. Contended (rounds): from the lock's stats() over the throughput rounds.`,
      contentionTable(res.contention),
    );
  }
  parts.push('## Ratios and targets', ratioTable(res));
  if (res.contention.length > 0) parts.push(jainTable(res));
  const cold = Object.entries(res.ratios.storeLargeExtraColdLines ?? {}).filter(([, v]) => v !== null);
  if (cold.length > 0) {
    parts.push(
      'What the large store adds to each op, in cold accesses per job touched: (op at large - op at small) / (one cold access per job), from the alternating rounds where they ran:',
      table(['op', ...cold.map(([op]) => op)], [['cold accesses', ...cold.map(([, v]) => num(v))]]),
    );
  }
  const floor = Object.entries(res.ratios.storeLargeVsSmallFloor ?? {}).filter(([, v]) => v !== null);
  if (floor.length > 0) {
    parts.push(
      'The least each large/small ratio could be if the op touched only one cold line per job at the large capacity: (op at small + one cold access per job) / (op at small), in the same alternating rounds:',
      table(['op', ...floor.map(([op]) => op)], [['one-cold-access floor', ...floor.map(([, v]) => num(v))]]),
    );
  }
  if (previous !== undefined) {
    const kind = (r: Results): string => (r.quick ? '--quick' : 'full');
    const mixed = previous.quick !== res.quick ? ` — that was a ${kind(previous)} run, this one is ${kind(res)}: rounds and budgets differ` : '';
    parts.push(`## Change since the previous run (${previous.date}${mixed})`, changeTable(previous, res));
  }
  if (res.notes.length > 0) parts.push('## Notes', res.notes.map((n) => `- ${n}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** Throughput of every task present in both runs, and every ratio present in both. */
export function changeTable(prev: Results, now: Results): string {
  const rows: string[][] = [];
  const prevSingle = new Map(prev.single.map((r) => [r.name, r]));
  for (const r of now.single) {
    const p = prevSingle.get(r.name);
    if (p !== undefined) rows.push([r.name, `${si(p.opsPerSec)} ops/s`, `${si(r.opsPerSec)} ops/s`, signedPct(r.opsPerSec / p.opsPerSec - 1)]);
  }
  const prevCont = new Map(prev.contention.map((r) => [r.name, r]));
  for (const r of now.contention) {
    const p = prevCont.get(r.name);
    if (p !== undefined) rows.push([r.name, `${si(p.opsPerSec)} ops/s`, `${si(r.opsPerSec)} ops/s`, signedPct(r.opsPerSec / p.opsPerSec - 1)]);
  }
  const prevTargets = new Map(checkTargets(prev.ratios).map((c) => [c.ratio, c.value]));
  for (const c of checkTargets(now.ratios)) {
    const p = prevTargets.get(c.ratio);
    if (p != null && c.value !== null) rows.push([c.ratio, num(p), num(c.value), signedPct(c.value / p - 1)]);
  }
  if (rows.length === 0) return 'No task in common with the previous run.';
  return table(['figure', 'previous', 'now', 'change'], rows);
}

/** The previous results at `path`, if there is a readable file of our format. */
export function readPrevious(path: string): Results | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<Results>;
    return r.format === FORMAT ? (r as Results) : undefined;
  } catch (err) {
    process.stderr.write(`bench: ignoring unreadable previous results ${path}: ${String(err)}\n`);
    return undefined;
  }
}

export function writeJson(path: string, res: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(res, null, 2)}\n`);
}
