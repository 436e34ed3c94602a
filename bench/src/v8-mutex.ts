/**
 * Main-process side of the V8 Atomics.Mutex measurement: start
 * v8-mutex-child.js under `node --harmony-struct` and collect its figures.
 * When the flag or the API is missing, the part is skipped with a reason.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import type { ChildRunMessage, FromChild } from './protocol.js';
import type { ContentionResult, PairedResult, SingleResult } from './results.js';

const CHILD = fileURLToPath(new URL('./v8-mutex-child.js', import.meta.url));

export type V8Outcome =
  | { readonly ok: true; readonly single: SingleResult[]; readonly contention: ContentionResult[]; readonly paired: PairedResult[] }
  | { readonly ok: false; readonly reason: string; readonly crashed: boolean };

/** A child silent this long is taken for hung (a contention task reports every few seconds). */
const SILENCE_LIMIT_MS = 120_000;
/**
 * The same for --quick, whose whole child run takes about 7 s here: a hang
 * (seen in CI) then costs 20 s instead of two minutes, and the quick run stays
 * near its one-minute budget.
 */
const QUICK_SILENCE_LIMIT_MS = 20_000;

/**
 * Run the child and collect its figures. The child is killed once its
 * results have arrived, never asked to shut down: in Node 20 the experimental
 * shared heap of --harmony-struct can deadlock in a GC safepoint while worker
 * threads blocked in Atomics.wait are terminated (seen here: the child's main
 * thread and all its workers asleep in futex waits for minutes), and can
 * abort with "Assertion failed: (data.first) != nullptr" while workers come
 * and go. A child that goes silent for SILENCE_LIMIT_MS (QUICK_SILENCE_LIMIT_MS
 * with --quick) is killed as hung.
 */
export function runV8Child(cfg: BenchConfig, filter: string | undefined, log: (line: string) => void): Promise<V8Outcome> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: ['--harmony-struct'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    let outcome: V8Outcome | undefined;
    let failure: string | undefined;
    let hung = false;
    let watchdog: NodeJS.Timeout | undefined;
    const silenceMs = cfg.quick ? QUICK_SILENCE_LIMIT_MS : SILENCE_LIMIT_MS;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, silenceMs);
    };
    arm();
    child.on('message', (m: FromChild) => {
      arm();
      if (m.type === 'progress') return log(m.line);
      if (m.type === 'unavailable') outcome = { ok: false, reason: m.reason, crashed: false };
      else if (m.type === 'result') outcome = { ok: true, single: m.single, contention: m.contention, paired: m.paired };
      else failure = m.message;
      // Everything the child had to say has arrived: stop it (see above).
      child.kill('SIGKILL');
    });
    child.on('error', (err) => {
      clearTimeout(watchdog);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (failure !== undefined) return reject(new Error(`V8 Atomics.Mutex child failed: ${failure}`));
      if (outcome !== undefined) return resolve(outcome);
      if (hung) return resolve({ ok: false, reason: `node --harmony-struct child sent nothing for ${silenceMs / 1000} s and was killed (hung)`, crashed: true });
      // Never started (e.g. "bad option: --harmony-struct"), or died. Skip, with node's own words.
      const tail = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(0, 3).join(' | ');
      resolve({ ok: false, reason: `node --harmony-struct exited (${signal ?? code}) without results: ${tail || 'no output'}`, crashed: signal !== null });
    });
    const msg: ChildRunMessage = { type: 'run', config: cfg, filter };
    child.send(msg);
  });
}
