import test, { type ExecutionContext } from 'ava';
import { createPool, type Lease, type Pool } from '../index.js';
import { postgresDriver } from '../postgres.js';
import { filePool, SQLITE_MODES, threadModeOptions } from '../test/helpers.js';
import { withPostgres } from '../test/pg-server.js';

// A read callback that returns the promise of its own statement, served in this thread, has
// settled by the time it returns: pool.read() gives the lease back then, not a microtask later,
// so that the next caller finds the reader free. A statement served elsewhere (a worker thread,
// PostgreSQL) keeps the lease until it settles. Either way: one release, typed errors after it.

interface Seen {
  lease: Lease;
  /** Whether the lease was back when read() returned; undefined when the callback had not run. */
  atReturn: boolean | undefined;
  /** Whether it was back when the row reached a handler the callback attached. */
  atRow: boolean;
}

/** Runs a read whose callback returns its statement's promise; what it saw, and its row. */
async function statementRead(pool: Pool): Promise<{ seen: Seen; row: unknown }> {
  let lease: Lease | undefined;
  let atRow: boolean | undefined;
  const value = pool.read((db) => {
    lease = db;
    const row = db.get('SELECT 1 AS one');
    void row.then(() => (atRow = db.released));
    return row;
  });
  const atReturn = lease?.released;
  const row = await value;
  return { seen: { lease: lease as Lease, atReturn, atRow: atRow as boolean }, row };
}

async function afterwards(t: ExecutionContext, pool: Pool, seen: Seen, reads: number, before: number) {
  t.true(seen.lease.released);
  await t.throwsAsync(seen.lease.get('SELECT 1'), { code: 'LEASE_RELEASED' } as never);
  t.throws(() => seen.lease.release(), { code: 'DOUBLE_RELEASE' } as never);
  const stats = pool.stats();
  t.is(stats.leased, 0);
  t.is(stats.acquired - before, reads);
  t.is(stats.released, stats.acquired);
}

/** A free reader: the read runs at once. `here`: statements are served in this thread. */
async function direct(t: ExecutionContext, pool: Pool, here: boolean): Promise<void> {
  await pool.read((db) => db.get('SELECT 1'));
  const before = pool.stats().acquired;
  const { seen, row } = await statementRead(pool);
  t.deepEqual(row, { one: 1 });
  t.is(seen.atReturn, here, here ? 'back as read() returns' : 'held until the statement settles');
  t.is(seen.atRow, here);
  await afterwards(t, pool, seen, 1, before);
}

/** Every reader held: the read queues, and is handed the reader at the holder's release. */
async function queued(t: ExecutionContext, pool: Pool, here: boolean): Promise<void> {
  await pool.read((db) => db.get('SELECT 1'));
  const holder = await pool.acquire();
  const before = pool.stats().acquired;
  const waiting = statementRead(pool);
  const next = pool.read((db) => db.get<{ two: number }>('SELECT 2 AS two'));
  t.is(pool.stats().waiting, 2);
  holder.release();
  const { seen, row } = await waiting;
  t.deepEqual(row, { one: 1 });
  t.is(seen.atRow, here, here ? 'back before its row reached anyone' : 'held until the statement settles');
  t.deepEqual(await next, { two: 2 });
  await afterwards(t, pool, seen, 2, before);
}

const modes: [string, Record<string, unknown>, boolean][] = [];
for (const [name, threads] of SQLITE_MODES) {
  if (threads === false) modes.push([name, {}, true]);
  else {
    // A worker thread's first start can take seconds on a loaded machine: not what this is about.
    const slow = { acquireTimeoutMs: 120_000 };
    modes.push([name, { ...threadModeOptions(threads === 'all' ? 'all' : 'hybrid'), ...slow }, false]);
    // The hybrid driver serves a read inline until it measures it slow.
    if (threads === true) modes.push([`${name}, served inline`, { threads: true, ...slow }, true]);
  }
}

for (const [name, options, here] of modes) {
  test(`a read callback returning its statement's promise releases as it settles (${name})`, async (t) => {
    const { pool, done } = filePool({ ...options, max: 2 });
    await direct(t, pool, here);
    await done();
  });
  test(`a queued read returning its statement's promise releases as it settles (${name})`, async (t) => {
    const { pool, done } = filePool({ ...options, max: 2 });
    await queued(t, pool, here);
    await done();
  });
}

withPostgres((server) => {
  const pgPool = (): Pool =>
    createPool({ driver: postgresDriver({ connectionString: server().url }), max: 1 });
  test("a read callback returning its statement's promise releases as it settles (PostgreSQL)", async (t) => {
    const pool = pgPool();
    await direct(t, pool, false);
    await pool.close();
  });
  test("a queued read returning its statement's promise releases as it settles (PostgreSQL)", async (t) => {
    const pool = pgPool();
    await queued(t, pool, false);
    await pool.close();
  });
});
