/** PgJobStore's options, checked at the boundary with the store's message format. */
import { InvalidArgumentError } from '@atomic-jobs/store';
import { IDENTIFIER } from './schema.js';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_ID_BYTES, MAX_FIELD_BYTES, checkInt, checkObject } from './validate.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * `'fifo'`: claimNext takes exactly the oldest pending job (linearizable,
 * checked by the test suite); queue moves are serialised by one advisory lock.
 * `'skip-locked'`: claimNext uses FOR UPDATE SKIP LOCKED with no queue lock;
 * claimers never wait for each other, but the order is only roughly FIFO.
 * Every client of one schema must use the same mode.
 */
export type ClaimOrder = 'fifo' | 'skip-locked';

export interface PgStoreOptions {
  /** A libpq-style URL, e.g. `postgres://user@host:5432/db`. */
  connectionString: string;
  /**
   * The schema holding the table and functions; one store per schema.
   * Must match /^[A-Za-z_][A-Za-z0-9_]{0,62}$/ (it is configuration, never user data).
   * @default 'atomic_jobs'
   */
  schema?: string | undefined;
  /**
   * Longest id, in UTF-8 bytes.
   * @default 64
   */
  maxIdBytes?: number | undefined;
  /**
   * Longest `lastError`, in UTF-8 bytes; longer messages are cut at a character boundary and flagged truncated.
   * @default 256
   */
  maxErrorBytes?: number | undefined;
  /**
   * How long a claim stays valid, in ms (measured on the server's clock).
   * @default 30000
   */
  leaseMs?: number | undefined;
  /**
   * Recorded as the lease holder of every job this instance claims.
   * @default `${hostname}:${pid}:${random}`
   */
  owner?: string | undefined;
  /**
   * Connections in this instance's pool.
   * @default 10
   */
  poolSize?: number | undefined;
  /**
   * See {@link ClaimOrder}.
   * @default 'fifo'
   */
  claimOrder?: ClaimOrder | undefined;
}

export interface ResolvedOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly maxIdBytes: number;
  readonly maxErrorBytes: number;
  readonly leaseMs: number;
  readonly owner: string;
  readonly poolSize: number;
  readonly claimOrder: ClaimOrder;
}

export function resolveOptions(options: unknown): ResolvedOptions {
  const o = checkObject('options', options);
  if (o === undefined) throw new InvalidArgumentError('options', 'an object with a connectionString', options);
  const { connectionString, schema, owner, claimOrder } = o;
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new InvalidArgumentError('options.connectionString', 'a non-empty string', connectionString);
  }
  if (schema !== undefined && (typeof schema !== 'string' || !IDENTIFIER.test(schema))) {
    throw new InvalidArgumentError('options.schema', 'an identifier matching /^[A-Za-z_][A-Za-z0-9_]{0,62}$/', schema);
  }
  if (owner !== undefined && (typeof owner !== 'string' || owner.length === 0 || owner.includes('\0'))) {
    throw new InvalidArgumentError('options.owner', 'a non-empty string without NUL', owner);
  }
  if (claimOrder !== undefined && claimOrder !== 'fifo' && claimOrder !== 'skip-locked') {
    throw new InvalidArgumentError('options.claimOrder', "'fifo' or 'skip-locked'", claimOrder);
  }
  const int = (name: string, min: number, max: number, dflt: number): number =>
    o[name] === undefined ? dflt : checkInt(`options.${name}`, o[name], min, max);
  return {
    connectionString,
    schema: schema ?? 'atomic_jobs',
    maxIdBytes: int('maxIdBytes', 1, MAX_FIELD_BYTES, DEFAULT_MAX_ID_BYTES),
    maxErrorBytes: int('maxErrorBytes', 1, MAX_FIELD_BYTES, DEFAULT_MAX_ERROR_BYTES),
    leaseMs: int('leaseMs', 1, 0x7fffffff, DEFAULT_LEASE_MS),
    owner: owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    poolSize: int('poolSize', 1, 1000, 10),
    claimOrder: claimOrder ?? 'fifo',
  };
}
