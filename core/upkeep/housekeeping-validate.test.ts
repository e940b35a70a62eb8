import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, isPoolError, type Pool } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { filePool } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';

// An acquire that finds a connection idle past validateAfterIdleMs validates it first (SELECT 1).
// When close() starts while that query is out, the acquire is refused with POOL_CLOSED, as the
// waiters are: the connection is never lent after close() began, nor after close() revoked it.

async function validatingWhenClosed(t: import('ava').ExecutionContext, pool: Pool): Promise<void> {
  await pool.read((db) => db.get('SELECT 1'));
  // Idle for longer than validateAfterIdleMs (a timer never fires early by the pool's clock).
  await sleep(20);
  const read = pool.read((db) => db.get('SELECT 1 AS v')).catch((e: unknown) => e);
  const closing = pool.close();
  const outcome = await read;
  t.true(isPoolError(outcome, 'POOL_CLOSED'), `the read got ${JSON.stringify(outcome)} ${String(outcome)}`);
  await closing;
  t.like(pool.stats(), { leased: 0, acquired: 1 });
}

for (const threads of [false, true, 'all'] as const) {
  for (const closeTimeoutMs of [60_000, 0]) {
    test(`threads: ${threads}, closeTimeoutMs ${closeTimeoutMs}: an acquire validating when close() starts is refused with POOL_CLOSED`, async (t) => {
      const { pool, done } = filePool({
        threads,
        validateAfterIdleMs: 5,
        closeTimeoutMs,
        // A loaded machine can take seconds to boot a worker thread for the first read.
        acquireTimeoutMs: 60_000,
      });
      await validatingWhenClosed(t, pool);
      await done();
    });
  }
}

// A grant that waited for a validation records that wait, as every grant does: acquireWait counts
// every acquire.
async function validatedWaitRecorded(t: import('ava').ExecutionContext, pool: Pool): Promise<void> {
  await pool.read((db) => db.get('SELECT 1'));
  await sleep(20);
  await pool.read((db) => db.get('SELECT 1'));
  const s = pool.stats();
  t.is(s.acquired, 2);
  t.is(s.acquireWait.count, 2, 'the validated grant is in the wait histogram');
}

for (const threads of [false, true, 'all'] as const) {
  test(`threads: ${threads}: a grant after validation records its wait`, async (t) => {
    const { pool, done } = filePool({ threads, validateAfterIdleMs: 5, acquireTimeoutMs: 60_000 });
    await validatedWaitRecorded(t, pool);
    await done();
  });
}

withPostgres((server) => {
  test('PostgreSQL: a grant after validation records its wait', async (t) => {
    const pool = createPool({
      driver: postgresDriver({ connectionString: server().url }),
      validateAfterIdleMs: 5,
    });
    try {
      await validatedWaitRecorded(t, pool);
    } finally {
      await pool.close();
    }
  });

  for (const closeTimeoutMs of [60_000, 0]) {
    test(`PostgreSQL, closeTimeoutMs ${closeTimeoutMs}: an acquire validating when close() starts is refused with POOL_CLOSED`, async (t) => {
      const driver = postgresDriver({ connectionString: server().url });
      await validatingWhenClosed(t, createPool({ driver, validateAfterIdleMs: 5, closeTimeoutMs }));
    });
  }
});
