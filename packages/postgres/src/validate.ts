/**
 * Argument checks at the boundary: the shared-memory store's own checks
 * (`@atomic-jobs/store/validate`), so both stores refuse the same input with
 * the same class, code and message; plus what only this store needs: ids and
 * errors as the UTF-8 bytes of its `bytea` columns.
 */
import { checkId as checkIdLength } from '@atomic-jobs/store/validate';

// Everything else is the store's own; checkId below shadows its checkId (which returns a length).
export * from '@atomic-jobs/store/validate';

const encoder = new TextEncoder();

/**
 * The id as the UTF-8 bytes stored in the `id bytea` column. Ids must be
 * well-formed (no lone surrogates), so bytes and strings map one to one, and
 * NUL is an ordinary character, as in the shared-memory store.
 */
export function checkId(id: unknown, maxIdBytes: number): Buffer {
  checkIdLength(id, maxIdBytes);
  return Buffer.from(id as string, 'utf8');
}

/**
 * A lastError as the bytes to store: cut at `maxErrorBytes` on a UTF-8
 * character boundary (TextEncoder.encodeInto, as the store does, so a lone
 * surrogate becomes U+FFFD and a NUL stays a NUL byte).
 */
export function encodeError(message: string, maxErrorBytes: number): { bytes: Buffer; truncated: boolean } {
  const room = Buffer.allocUnsafe(Math.min(maxErrorBytes, message.length * 3));
  const r = encoder.encodeInto(message, room);
  return { bytes: room.subarray(0, r.written), truncated: r.read < message.length };
}
