/**
 * The store's argument checks, for other implementations of the same
 * contract (the PostgreSQL store): `@atomic-jobs/store/validate`. One
 * implementation, so both stores refuse the same input with the same error
 * class, code and message.
 */
export { checkId, checkLastError, checkStatus } from './validate.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ERROR_BYTES,
  DEFAULT_MAX_ID_BYTES,
  DEFAULT_MAX_RETRIES,
  MAX_FIELD_BYTES,
  checkInt,
  checkLockOptions,
  checkObject,
  checkReclaimOptions,
  checkRetryOptions,
  checkUpdateOptions,
} from './options.js';
export type { ReclaimOptions, RetryOptions } from './options.js';
