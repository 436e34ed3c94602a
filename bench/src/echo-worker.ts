/** Sends every message straight back: the far end of the bare postMessage round trip. */
import { parentPort } from 'node:worker_threads';

if (parentPort === null) throw new Error('echo-worker.js must run in a worker thread');
const port = parentPort;
port.on('message', (m: unknown) => port.postMessage(m));
