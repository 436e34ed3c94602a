/**
 * The demo as CI runs it: the compiled CLI in a short mode with --json, as a
 * child process. stdout is exactly one JSON object; the store side has no
 * anomaly in any scenario; the broken bank account lost updates.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../packages/workers/dist/demo/cli.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function demo(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Side {
  anomalies: number;
  opsPerSec: number;
}
interface DemoJson {
  workers: number;
  scenarios: { name: string; expected: number; unsafe: Side; safe: Side }[];
  baseline: { name: string; opsPerSec: number };
}

describe('pnpm demo --json', () => {
  it('prints one JSON object: store anomalies 0 everywhere, broken bank account anomalies > 0', async () => {
    const run = await demo(['--json', '--workers', '2', '--iterations', '10000', '--jobs', '200']);
    expect(run.stderr).not.toMatch(/demo: /);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? '') as DemoJson;
    expect(out.workers).toBe(2);
    expect(out.scenarios.map((s) => s.name)).toEqual(['bank-account', 'duplicate-processing', 'inconsistent-state', 'invalid-transitions', 'torn-reads']);
    for (const s of out.scenarios) {
      expect(s.safe.anomalies, s.name).toBe(0);
      expect(s.safe.opsPerSec).toBeGreaterThan(0);
      expect(s.unsafe.opsPerSec).toBeGreaterThan(0);
      expect(typeof s.expected).toBe('number');
    }
    expect(out.scenarios[0]?.unsafe.anomalies).toBeGreaterThan(0);
    expect(out.baseline.name).toBe('comlink');
    expect(out.baseline.opsPerSec).toBeGreaterThan(0);
  });

  it('rejects a bad flag with a clear message and exit status 2, printing nothing on stdout', async () => {
    const bad = await demo(['--json', '--workers', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/Expected `--workers` to be an integer from 1 to 64, got the string "two"/);
    const unknown = await demo(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const scenario = await demo(['--scenario', '9']);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toMatch(/--scenario/);
  });
});
