/**
 * Worker entry: the one thread that owns the baseline's InMemoryJobStore.
 * Every port it is sent serves that same store with comlink; the owner's
 * event loop runs one call at a time, which is the store's only protection.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from './endpoint.js';
import { InMemoryJobStore } from './in-memory-store.js';
import { installStoreErrorHandler, type FromOwner, type ToOwner } from './protocol.js';

if (parentPort === null) throw new Error('baseline/owner.js must run in a worker thread');
const parent = parentPort;
installStoreErrorHandler();

const store = new InMemoryJobStore();
const ports: MessagePort[] = [];

parent.on('message', (msg: ToOwner) => {
  switch (msg.type) {
    case 'connect':
      ports.push(msg.port);
      expose(store, nodeEndpoint(msg.port));
      break;
    case 'close':
      for (const p of ports) p.close();
      parent.close();
      break;
  }
});
parent.postMessage({ type: 'ready' } satisfies FromOwner);
