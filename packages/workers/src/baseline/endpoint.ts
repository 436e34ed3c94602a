/**
 * comlink speaks to DOM-style endpoints (addEventListener + event.data);
 * node:worker_threads ports emit the data itself on 'message'. This is the
 * adapter (comlink ships one, but only as an untyped UMD/ESM side file).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

type Listener = Parameters<Endpoint['addEventListener']>[1];
type Handler = (data: unknown) => void;

export function nodeEndpoint(port: MessagePort): Endpoint {
  const handlers = new WeakMap<object, Handler>();
  return {
    postMessage: (message: unknown, transfer?: readonly unknown[]) => port.postMessage(message, transfer as never),
    addEventListener(_type: string, listener: Listener): void {
      const h: Handler = (data) => {
        const event = { data } as unknown as Event;
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      handlers.set(listener, h);
      port.on('message', h);
    },
    removeEventListener(_type: string, listener: Listener): void {
      const h = handlers.get(listener);
      if (h === undefined) return;
      port.off('message', h);
      handlers.delete(listener);
    },
    start: () => port.start(),
  };
}
