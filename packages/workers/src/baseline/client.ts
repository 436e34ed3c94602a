/**
 * Main-thread side of the comlink baseline: start the owner thread, hand out
 * ports to it, and wrap ports into async proxies with JobStore's method names.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { once } from 'node:events';
import { releaseProxy, wrap, type Remote } from 'comlink';
import { nodeEndpoint } from './endpoint.js';
import type { InMemoryJobStore } from './in-memory-store.js';
import { installStoreErrorHandler, type FromOwner, type ToOwner } from './protocol.js';

export interface ComlinkBaseline {
  /** The store, for the thread that called startComlinkBaseline. Every call is one message round trip. */
  readonly store: Remote<InMemoryJobStore>;
  /** A fresh port to the same store: transfer it to another thread and call `wrapBaseline(port)` there. */
  connect(): MessagePort;
  /** Release the proxies, close every port and stop the owner thread. */
  close(): Promise<void>;
}

const OWNER_URL = new URL('./owner.js', import.meta.url);

/** A proxy for the baseline store over a port from `ComlinkBaseline.connect()`. Usable in any thread. */
export function wrapBaseline(port: MessagePort): Remote<InMemoryJobStore> {
  installStoreErrorHandler();
  return wrap<InMemoryJobStore>(nodeEndpoint(port));
}

/** Start the owner thread holding one InMemoryJobStore. */
export async function startComlinkBaseline(): Promise<ComlinkBaseline> {
  installStoreErrorHandler();
  const worker = new Worker(OWNER_URL);
  const send = (msg: ToOwner, transfer: MessagePort[]): void => worker.postMessage(msg, transfer);
  const [ready] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([err]) => Promise.reject(err as Error))])) as [FromOwner];
  if (ready.type !== 'ready') throw new Error(`baseline owner sent ${JSON.stringify(ready)} before ready`);

  const mine: MessagePort[] = [];
  const connect = (): MessagePort => {
    const { port1, port2 } = new MessageChannel();
    send({ type: 'connect', port: port2 }, [port2]);
    return port1;
  };
  const own = connect();
  mine.push(own);
  const store = wrapBaseline(own);
  let closed: Promise<void> | undefined;
  return {
    store,
    connect,
    close(): Promise<void> {
      closed ??= (async () => {
        store[releaseProxy]();
        for (const p of mine) p.close();
        const exited = once(worker, 'exit');
        send({ type: 'close' }, []);
        await exited;
      })();
      return closed;
    },
  };
}
