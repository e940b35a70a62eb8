import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, isPoolError, type Pool, type PoolLifecycleEvent } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { filePool, SLOW_START_MS } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';

// A listener of pool.metrics.listen() (public: the Prometheus adapter is one) that throws. It is
// called in the middle of a grant, a hand-off and a release: no throw may leave a connection leased
// to nobody or a waiter out of line and unanswered. The pool catches it, reports it on events$ as
// listener.failed (LISTENER_FAILED, the throw as its cause), and carries on.

async function withThrowingListener(t: import('ava').ExecutionContext, pool: Pool): Promise<void> {
  const failed: Extract<PoolLifecycleEvent, { type: 'listener.failed' }>[] = [];
  pool.events$.subscribe((e) => {
    if (e.type === 'listener.failed') failed.push(e);
  });
  pool.metrics.listen(() => {
    throw new Error('listener bug');
  });
  // One writer at a time: the first is granted at once, the others wait and are handed off.
  const writes = Array.from({ length: 6 }, () => pool.write((db) => db.get('SELECT 1 AS v')));
  const reads = Array.from({ length: 6 }, () => pool.read((db) => db.get('SELECT 1 AS v')));
  t.deepEqual(
    await Promise.all([...writes, ...reads]),
    Array.from({ length: 12 }, () => ({ v: 1 })),
  );
  const lease = await pool.acquire();
  lease.release();
  t.like(pool.stats(), { leased: 0, waiting: 0 });
  t.true(failed.length > 0);
  const [first] = failed;
  t.true(isPoolError(first?.error, 'LISTENER_FAILED'), String(first?.error));
  t.is((first?.error.cause as Error).message, 'listener bug');
  await pool.close();
}

for (const threads of [false, true, 'all'] as const) {
  test(`threads: ${threads}: a metrics listener that throws costs no lease and no waiter`, async (t) => {
    // A worker thread boots slowly on a loaded machine (its first grant waited past the default
    // 5 s once, load 38): the wait is not what this test is about, so it may be long.
    const { pool, done } = filePool({ threads, max: 2, acquireTimeoutMs: SLOW_START_MS });
    await withThrowingListener(t, pool);
    await done();
  });
}

test.serial('a metrics listener that throws with nobody on events$ is one Node warning', async (t) => {
  const { pool, done } = filePool({ max: 2 });
  const codes: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    if (w.code?.startsWith('ROAS_POOL_')) codes.push(w.code);
  };
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  pool.metrics.listen(() => {
    throw new Error('listener bug');
  });
  await Promise.all(Array.from({ length: 4 }, () => pool.write((db) => db.get('SELECT 1 AS v'))));
  await sleep(1);
  t.deepEqual(codes, ['ROAS_POOL_LISTENER_FAILED']);
  await done();
});

withPostgres((server) => {
  test('PostgreSQL: a metrics listener that throws costs no lease and no waiter', async (t) => {
    const pool = createPool({ driver: postgresDriver({ connectionString: server().url }), max: 2 });
    await withThrowingListener(t, pool);
  });
});
