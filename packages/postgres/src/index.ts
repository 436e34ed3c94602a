export { PgJobStore } from './store.js';
export type { Lease, PgPoolStats } from './store.js';
export type { PgStoreOptions, ClaimOrder } from './options.js';
export { RULES } from './rules.js';
export type { Rule } from './rules.js';
