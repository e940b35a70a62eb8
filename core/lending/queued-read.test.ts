import test, { type ExecutionContext } from 'ava';
import { createPool, isPoolError, type Pool } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { filePool, SLOW_START_MS, SQLITE_MODES } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';

/**
 * Reads that queue behind a held connection (the read path's queued hand-off): served in arrival
 * order, each once; a queued read's abort and deadline still settle it; the counters add up.
 * The pool has one connection reads can take, and the test holds it until the reads are queued.
 */
/** `echo` selects its one parameter as `v`, in the pool's dialect. */
async function queuedReads(t: ExecutionContext, pool: Pool, echo = 'SELECT ? AS v'): Promise<void> {
  const held = await pool.acquire();
  const order: number[] = [];
  const reads = [1, 2, 3].map((i) =>
    pool.read(async (db) => {
      order.push(i);
      const row = await db.get<{ v: number | string }>(echo, [i]);
      return Number(row?.v);
    }),
  );
  const ac = new AbortController();
  const aborted = pool.read((db) => db.get('SELECT 1'), { signal: ac.signal });
  const synchronous = pool.read((db) => db.get<{ v: number | string }>(echo, [4]));
  ac.abort();
  // Its deadline passes while the connection is held: nothing else releases it.
  const late = pool.read((db) => db.get('SELECT 1'), { timeoutMs: 1 });
  const codes = await Promise.all(
    [aborted, late].map((p) =>
      p.then(
        () => 'granted',
        (err: unknown) => (isPoolError(err) ? err.code : 'other'),
      ),
    ),
  );
  t.deepEqual(codes, ['ABORTED', 'ACQUIRE_TIMEOUT']);
  t.is(pool.stats().waiting, 4);
  held.release();
  t.deepEqual(await Promise.all(reads), [1, 2, 3]);
  t.is(Number((await synchronous)?.v), 4);
  t.deepEqual(order, [1, 2, 3]);
  const st = pool.stats();
  t.is(st.waiting, 0);
  t.is(st.leased, 0);
  t.is(st.acquired, st.released);
  t.is(st.aborted, 1);
  t.is(st.timeouts, 1);
  t.is(st.acquireWait.count, st.acquired);
}

for (const [name, threads] of SQLITE_MODES) {
  test(`${name}: queued reads are served in arrival order, and a queued read's abort and deadline still settle it`, async (t) => {
    const { pool, done } = filePool({ max: 2, threads, acquireTimeoutMs: SLOW_START_MS });
    try {
      await queuedReads(t, pool);
    } finally {
      await done();
    }
  });
}

withPostgres((server) => {
  test("PostgreSQL: queued reads are served in arrival order, and a queued read's abort and deadline still settle it", async (t) => {
    const pool = createPool({ driver: postgresDriver({ connectionString: server().url }), max: 1 });
    try {
      await queuedReads(t, pool, 'SELECT $1::int AS v');
    } finally {
      await pool.close();
    }
  });
});
