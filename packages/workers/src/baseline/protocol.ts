/**
 * The baseline's wire protocol: the messages between client.ts and owner.ts
 * (comlink's own RPC messages then run over the ports they carry), and how
 * store errors cross the thread boundary.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import type { MessagePort } from 'node:worker_threads';
import * as errors from '@atomic-jobs/store';
import { JobStoreError } from '@atomic-jobs/store';

/** Parent -> owner: serve the store on this port (comlink.expose). */
export interface ConnectMessage {
  readonly type: 'connect';
  readonly port: MessagePort;
}
/** Parent -> owner: stop serving (the owner closes its ports and exits). */
export interface CloseMessage {
  readonly type: 'close';
}
export type ToOwner = ConnectMessage | CloseMessage;

/** Owner -> parent: the store exists and the owner listens. */
export interface ReadyMessage {
  readonly type: 'ready';
}
export type FromOwner = ReadyMessage;

/** A JobStoreError as plain data: its class name, code, message and own fields (id, from, to...). */
interface WireStoreError {
  readonly isError: true;
  readonly value: { readonly name: string; readonly message: string; readonly stack?: string | undefined };
  readonly storeError: { readonly name: string; readonly fields: Readonly<Record<string, unknown>> };
}

const ERROR_CLASSES: ReadonlyMap<string, typeof JobStoreError> = new Map(
  Object.values(errors)
    .filter((v): v is typeof JobStoreError => typeof v === 'function' && (v === JobStoreError || v.prototype instanceof JobStoreError))
    .map((cls) => [cls.name, cls]),
);

let installed = false;

/**
 * comlink sends a thrown Error as { name, message, stack } only, so a caller
 * would lose `code` and the class. Wrap comlink's 'throw' handler (its
 * canHandle tests a private symbol, so we keep it) to carry a JobStoreError's
 * own fields and rebuild an instance of the same class on the other side.
 * Both ends must call this; it is idempotent.
 */
export function installStoreErrorHandler(): void {
  if (installed) return;
  const original = transferHandlers.get('throw') as TransferHandler<unknown, unknown> | undefined;
  if (original === undefined) throw new Error('comlink has no "throw" transfer handler to extend');
  transferHandlers.set('throw', {
    canHandle: (value: unknown): value is unknown => original.canHandle(value),
    serialize(thrown: unknown): ReturnType<TransferHandler<unknown, unknown>['serialize']> {
      const [wire, transfer] = original.serialize(thrown);
      const value = (thrown as { value?: unknown }).value;
      if (!(value instanceof JobStoreError)) return [wire, transfer];
      const fields: Record<string, unknown> = {};
      for (const key of Object.keys(value)) fields[key] = (value as unknown as Record<string, unknown>)[key];
      const out: WireStoreError = { ...(wire as Omit<WireStoreError, 'storeError'>), storeError: { name: value.name, fields } };
      return [out, transfer];
    },
    deserialize(wire: unknown): unknown {
      const w = wire as Partial<WireStoreError>;
      const cls = w.storeError === undefined ? undefined : ERROR_CLASSES.get(w.storeError.name);
      if (w.storeError === undefined || cls === undefined || w.value === undefined) return original.deserialize(wire);
      // Rebuild without running the constructor (each class has its own signature).
      const err = Object.create(cls.prototype as object) as JobStoreError;
      Object.defineProperty(err, 'message', { value: w.value.message, writable: true, configurable: true });
      Object.defineProperty(err, 'stack', { value: w.value.stack, writable: true, configurable: true });
      Object.assign(err, w.storeError.fields);
      throw err;
    },
  });
  installed = true;
}
