/**
 * Main-thread side of the thread tests: start compiled fixtures from
 * test/dist/fixtures as real worker_threads, release them together through
 * the barrier in fixtures/store-sync.ts, and collect what they post.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CTRL_GO, CTRL_READY, type WireError } from '../../fixtures/store-sync.js';

/** URL of a compiled fixture. Workers need real JS: build with `npx tsc -b test` first. */
export function fixtureUrl(name: string): URL {
  const url = new URL(`../../dist/fixtures/${name}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`Fixture ${name} is not compiled (${fileURLToPath(url)}): run \`npx tsc -b test\` first`);
  }
  return url;
}

export interface Running<T> {
  readonly worker: Worker;
  /** The one message the fixture posts before exiting normally. */
  readonly result: Promise<T>;
}

/** Start a fixture that posts exactly one result and exits; its error or a non-zero exit rejects. */
export function startWorker<T>(fixture: string, workerData: unknown): Running<T> {
  const worker = new Worker(fixtureUrl(fixture), { workerData });
  const result = new Promise<T>((resolve, reject) => {
    let got: { value: T } | undefined;
    worker.on('message', (m: T) => {
      got = { value: m };
    });
    worker.on('error', reject);
    // Node drains the worker's port before 'exit', so the result has arrived by then.
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`fixture ${fixture} exited with code ${code}`));
      else if (got === undefined) reject(new Error(`fixture ${fixture} exited without posting a result`));
      else resolve(got.value);
    });
  });
  return { worker, result };
}

export interface Spec {
  readonly fixture: string;
  readonly data: unknown;
}

/**
 * Start every fixture, wait until all have arrived at the barrier (READY ==
 * count), open it (GO = 1, notify everyone), and return their results in
 * order. If one fails, the others are terminated and the failure is thrown.
 */
export async function runTogether<T>(specs: readonly Spec[], ctrl: Int32Array): Promise<T[]> {
  const running = specs.map((s) => startWorker<T>(s.fixture, s.data));
  const all = Promise.all(running.map((r) => r.result));
  let failed = false;
  // Only a flag for the barrier loop below; the rejection itself is rethrown by `await all`.
  all.catch(() => {
    failed = true;
  });
  while (Atomics.load(ctrl, CTRL_READY) < specs.length && !failed) await sleep(1);
  Atomics.store(ctrl, CTRL_GO, 1);
  Atomics.notify(ctrl, CTRL_GO);
  try {
    return await all;
  } catch (err) {
    await Promise.all(running.map((r) => r.worker.terminate()));
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Request/reply envelope of a scripted fixture (one request in flight per id). */
export type Reply<V> = { readonly id: number; readonly ok: true; readonly value: V } | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * A worker driven step by step: each `call` posts `{ id, ...request }` and
 * resolves with the fixture's reply of the same id. Between calls the
 * worker idles in its event loop (holding whatever lock it took).
 */
export class Scripted<Req extends object, V = unknown> {
  readonly worker: Worker;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (r: Reply<V>) => void; reject: (e: unknown) => void }>();

  constructor(fixture: string, workerData: unknown) {
    this.worker = new Worker(fixtureUrl(fixture), { workerData });
    this.worker.on('message', (r: Reply<V>) => {
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      p?.resolve(r);
    });
    const failAll = (err: unknown): void => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`scripted fixture ${fixture} exited with code ${code}`)));
  }

  call(request: Req): Promise<Reply<V>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Like call, but the reply must be a success; returns its value. */
  async ok(request: Req): Promise<V> {
    const r = await this.call(request);
    if (!r.ok) throw new Error(`fixture refused ${JSON.stringify(request)}: ${r.error.name} ${r.error.code ?? ''} ${r.error.message}`);
    return r.value;
  }

  /** Like call, but the reply must be a failure; returns the error details. */
  async fails(request: Req): Promise<WireError> {
    const r = await this.call(request);
    if (r.ok) throw new Error(`fixture unexpectedly succeeded at ${JSON.stringify(request)}`);
    return r.error;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Poll (on a ref'd timer, so the event loop stays alive) until `cond` holds. */
export async function until(cond: () => boolean, what: string, maxPolls = 20_000): Promise<void> {
  for (let i = 0; i < maxPolls; i++) {
    if (cond()) return;
    await sleep(1);
  }
  throw new Error(`gave up waiting for ${what}`);
}
