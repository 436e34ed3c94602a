/**
 * Why 'fifo' is the default claim order. A row lock on the oldest pending
 * job, held by any other statement (here a second connection; in production
 * a refused update, which locks the row it refuses), makes a SKIP LOCKED
 * claimNext pass over that job and claim a younger one: not FIFO, and not
 * linearizable against the store's model. In 'fifo' mode claimNext waits for
 * the lock and takes the oldest job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, freshSchema, pgStore } from '../fixtures/postgres-server.js';
import { rawClient, type RawClient } from '../fixtures/postgres-raw.js';

const SCHEMAS = { fifo: 'aj_test_claim_order_fifo', 'skip-locked': 'aj_test_claim_order_skip' } as const;
let holder: RawClient;

beforeAll(async () => {
  await freshSchema(SCHEMAS.fifo);
  await freshSchema(SCHEMAS['skip-locked']);
  holder = await rawClient(PG_URL);
});
afterAll(async () => {
  await holder?.end();
});

describe('claim order with the oldest pending job row-locked by someone else', () => {
  for (const claimOrder of ['skip-locked', 'fifo'] as const) {
    it(`${claimOrder}: claimNext ${claimOrder === 'fifo' ? 'waits and takes the oldest' : 'skips it and takes a younger job'}`, async () => {
      const store = pgStore(SCHEMAS[claimOrder], { claimOrder });
      try {
        await store.create(`${claimOrder}-old`);
        await store.create(`${claimOrder}-young`);
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM "${SCHEMAS[claimOrder]}".jobs WHERE id = $1 FOR UPDATE`, [Buffer.from(`${claimOrder}-old`)]);
        const claimed = store.claimNext();
        let settled = false;
        void claimed.then(() => (settled = true));
        await new Promise((r) => setTimeout(r, 300));
        const settledWhileLocked = settled;
        await holder.query('COMMIT');
        const job = await claimed;
        if (claimOrder === 'fifo') {
          expect(settledWhileLocked).toBe(false);
          expect(job?.id).toBe('fifo-old');
        } else {
          expect(job?.id).toBe('skip-locked-young');
          expect(await store.get('skip-locked-old')).toMatchObject({ status: 'pending' });
        }
      } finally {
        await store.close();
      }
    });
  }
});
