import test, { type ExecutionContext } from 'ava';
import { createPool, type Pool } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { filePool, SQLITE_MODES, threadModeOptions, tick } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';

// Readers open by need: one at once when none is open or opening, more only for the waiters that
// the readers open did not serve within the turn. Counted in connections and turns, never in ms.

/** Readers open or opening (the writer opens only for writes, and none is asked for here). */
function readers(pool: Pool): number {
  const { total, opening } = pool.stats();
  return total + opening;
}

// Inline, a read's statement runs in this thread: the one reader serves the whole burst, handed
// from each holder to the next within the turn. (On worker threads each statement waits for a
// reply from another thread, so a burst is still queued at the turn's end and opens readers.)
// A budget of 0 lets the burst run to its end without yielding to the event loop.
test('fifty reads at once open one reader, handed from each to the next (inline)', async (t) => {
  const { pool, done } = filePool({ max: 20, eventLoopBudgetMs: 0 });
  const rows = await Promise.all(
    Array.from({ length: 50 }, (_, i) => pool.read((db) => db.get<{ i: number }>('SELECT ? AS i', [i]))),
  );
  t.deepEqual(
    rows.map((r) => r?.i),
    Array.from({ length: 50 }, (_, i) => i),
  );
  t.is(readers(pool), 1);
  t.is(pool.stats().created, 1);
  t.is(pool.stats().acquired, 50);
  await done();
});

for (const [name, threads] of SQLITE_MODES) {
  // A worker thread's first start (its loader compiles the worker's code) can take seconds on a
  // loaded machine: the acquire deadline is not what these tests are about.
  const options =
    threads === false
      ? {}
      : { ...threadModeOptions(threads === 'all' ? 'all' : 'hybrid'), acquireTimeoutMs: 120_000 };
  test(`waiters still queued after the turn get readers of their own (${name})`, async (t) => {
    const { pool, done } = filePool({ ...options, max: 20 });
    const held = await pool.acquire();
    await tick(); // the turn of that first acquire ends
    t.is(readers(pool), 1);
    const reads = Array.from({ length: 3 }, () => pool.read((db) => db.get('SELECT 1 AS one')));
    await tick(); // the arrivals' demand ran; the look at the waiters is the next callback of its phase
    t.is(readers(pool), 1, 'no reader opens within the turn the waiters arrived in');
    await tick();
    t.is(readers(pool), 4, 'after the turn, a reader for each waiter still queued');
    await Promise.all(reads);
    held.release();
    await done();
  });
}

/**
 * A waiter's arrival asks for a connection only while the lane may grow, by the bounds the
 * supervisor holds: after `resize()` raised them, the next arrival opens one.
 */
async function arrivalAfterResize(t: ExecutionContext, pool: Pool, max: number): Promise<void> {
  const held = await pool.acquire();
  await tick();
  const first = pool.read((db) => db.get<{ one: number }>('SELECT 1 AS one'));
  await tick();
  await tick();
  t.is(readers(pool), 1, 'at max, an arrival opens nothing');
  pool.resize({ max: max + 1 });
  const second = pool.read((db) => db.get<{ two: number }>('SELECT 2 AS two'));
  // Both are served while the first reader is still held: by the one the arrival opened.
  t.deepEqual(await first, { one: 1 });
  t.deepEqual(await second, { two: 2 });
  t.is(readers(pool), 2);
  held.release();
}

for (const [name, threads] of SQLITE_MODES) {
  const options =
    threads === false
      ? {}
      : { ...threadModeOptions(threads === 'all' ? 'all' : 'hybrid'), acquireTimeoutMs: 120_000 };
  test(`after resize() raises max, a waiter's arrival opens a reader (${name})`, async (t) => {
    const { pool, done } = filePool({ ...options, max: 2 });
    await arrivalAfterResize(t, pool, 2);
    await done();
  });
}

withPostgres((server) => {
  test("after resize() raises max, a waiter's arrival opens a connection (PostgreSQL)", async (t) => {
    const pool = createPool({ driver: postgresDriver({ connectionString: server().url }), max: 1 });
    await arrivalAfterResize(t, pool, 1);
    await pool.close();
  });
});
