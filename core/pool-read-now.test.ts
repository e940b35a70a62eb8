import test, { type ExecutionContext } from 'ava';
import { createPool, type Lease, type Pool } from '../index.js';
import { postgresDriver } from '../postgres.js';
import { filePool, SQLITE_MODES, threadModeOptions, tick } from '../test/helpers.js';
import { withPostgres } from '../test/pg-server.js';

// pool.read()'s direct path: a free reader, nobody queued, runs the callback at once, with no
// acquire promise; a value it returns releases the lease before read() returns. Whatever the
// callback does (returns, awaits, throws, rejects, keeps the lease), the guarantees of the
// acquire path hold: one release, typed errors after it, counters that add up.

/** A pool whose reader is open and free: the first read opened it. */
async function warm(pool: Pool): Promise<void> {
  await pool.read((db) => db.get('SELECT 1 AS one'));
}

function settledCounters(t: ExecutionContext, pool: Pool, reads: number, before: number): void {
  const stats = pool.stats();
  t.is(stats.leased, 0, 'every lease is back');
  t.is(stats.acquired - before, reads);
  t.is(stats.released, stats.acquired);
  t.is(stats.doubleReleases, 0);
}

async function directPath(t: ExecutionContext, pool: Pool): Promise<void> {
  await warm(pool);
  const before = pool.stats().acquired;
  let held: Lease | undefined;
  const value = pool.read((db) => {
    held = db;
    return 7;
  });
  // Synchronously, before anything awaited: the callback ran and its lease is back.
  t.true(held?.released, 'a synchronous callback ran at once and its lease was released');
  t.is(pool.stats().leased, 0);
  t.is(await value, 7);
  await t.throwsAsync((held as Lease).get('SELECT 1'), { code: 'LEASE_RELEASED' } as never);
  t.throws(() => (held as Lease).release(), { code: 'DOUBLE_RELEASE' } as never);
  t.is(pool.stats().doubleReleases, 1);
  t.is(pool.stats().acquired - before, 1);
}

async function asyncCallbacks(t: ExecutionContext, pool: Pool): Promise<void> {
  await warm(pool);
  const before = pool.stats().acquired;
  let held: Lease | undefined;
  const row = pool.read(async (db) => {
    held = db;
    await tick();
    return db.get<{ two: number }>('SELECT 2 AS two');
  });
  t.false(held?.released, 'an async callback keeps its lease until its promise settles');
  t.is(pool.stats().leased, 1);
  t.deepEqual(await row, { two: 2 });
  t.true(held?.released);
  await t.throwsAsync((held as Lease).get('SELECT 1'), { code: 'LEASE_RELEASED' } as never);
  // A thenable that is no native promise is followed the same way.
  const thenable = { then: (resolve: (v: number) => void) => void setImmediate(resolve, 3) };
  t.is(await pool.read(() => thenable as unknown as Promise<number>), 3);
  settledCounters(t, pool, 2, before);
}

async function failingCallbacks(t: ExecutionContext, pool: Pool): Promise<void> {
  await warm(pool);
  const before = pool.stats().acquired;
  const thrown = new Error('thrown at once');
  let threw = false;
  let sync: Promise<unknown> | undefined;
  try {
    sync = pool.read(() => {
      throw thrown;
    });
  } catch {
    threw = true;
  }
  t.false(threw, 'read() rejects, never throws');
  t.is(pool.stats().leased, 0, 'a callback that threw gave its lease back at once');
  t.is(await t.throwsAsync(sync as Promise<unknown>), thrown);
  const rejected = new Error('rejected later');
  t.is(await t.throwsAsync(pool.read(() => Promise.reject(rejected))), rejected);
  t.is(
    await t.throwsAsync(
      pool.read(async () => {
        await tick();
        throw rejected;
      }),
    ),
    rejected,
  );
  // A callback that released its own lease: read() releases nothing twice.
  t.is(
    await pool.read((db) => {
      db.release();
      return 'mine';
    }),
    'mine',
  );
  // A failing statement in a direct read rejects it, as on the acquire path.
  await t.throwsAsync(
    pool.read((db) => db.get('SELECT nope FROM nowhere')),
    { any: true },
  );
  settledCounters(t, pool, 5, before);
}

/**
 * The queued path: every reader held, reads whose callbacks return, throw, reject, await, release
 * their own lease or return a thenable whose `then` throws queue behind it; each settles as its
 * callback did, and every lease comes back once. `readers`: the pool's readers, all held here.
 */
async function queuedCallbacks(t: ExecutionContext, pool: Pool, readers: number): Promise<void> {
  await warm(pool);
  const held = await Promise.all(Array.from({ length: readers }, () => pool.acquire()));
  const before = pool.stats().acquired;
  const thrown = new Error('thrown at once');
  const rejected = new Error('rejected later');
  const badThen = new Error('then getter');
  const leases: Lease[] = [];
  const keep = (db: Lease): Lease => (leases.push(db), db);
  const reads = [
    pool.read((db) => (keep(db), 7)),
    pool.read((db) => {
      keep(db);
      throw thrown;
    }),
    pool.read((db) => (keep(db), Promise.reject(rejected))),
    pool.read(async (db) => {
      keep(db);
      await tick();
      return db.get<{ two: number }>('SELECT 2 AS two');
    }),
    pool.read((db) => {
      keep(db).release();
      return 'mine';
    }),
    pool.read((db) => {
      keep(db);
      return Object.defineProperty({}, 'then', {
        get() {
          throw badThen;
        },
      }) as Promise<never>;
    }),
  ];
  t.is(pool.stats().waiting, reads.length);
  for (const lease of held) lease.release();
  const outcomes = await Promise.allSettled(reads);
  t.deepEqual(
    outcomes.map((o): unknown => (o.status === 'fulfilled' ? o.value : (o.reason as unknown))),
    [7, thrown, rejected, { two: 2 }, 'mine', badThen],
  );
  t.is(leases.length, reads.length);
  for (const lease of leases) {
    t.true(lease.released);
    await t.throwsAsync(lease.get('SELECT 1'), { code: 'LEASE_RELEASED' } as never);
  }
  settledCounters(t, pool, reads.length, before);
}

for (const [name, threads] of SQLITE_MODES) {
  // A worker thread's first start (its loader compiles the worker's code) can take seconds on a
  // loaded machine: the acquire deadline is not what these tests are about.
  const options =
    threads === false
      ? {}
      : { ...threadModeOptions(threads === 'all' ? 'all' : 'hybrid'), acquireTimeoutMs: 120_000 };
  test(`a synchronous read callback runs at once and its lease is back before read() returns (${name})`, async (t) => {
    const { pool, done } = filePool(options);
    await directPath(t, pool);
    await done();
  });
  test(`an awaiting read callback holds its lease until it settles (${name})`, async (t) => {
    const { pool, done } = filePool(options);
    await asyncCallbacks(t, pool);
    await done();
  });
  test(`a read callback that throws or rejects releases its lease and rejects (${name})`, async (t) => {
    const { pool, done } = filePool(options);
    await failingCallbacks(t, pool);
    await done();
  });
  test(`queued read callbacks settle as they returned, threw or rejected, one release each (${name})`, async (t) => {
    const { pool, done } = filePool({ ...options, max: 2 });
    await queuedCallbacks(t, pool, 1);
    await done();
  });
}

withPostgres((server) => {
  const pgPool = (): Pool =>
    createPool({ driver: postgresDriver({ connectionString: server().url }), max: 2 });
  test('a synchronous read callback runs at once and its lease is back before read() returns (PostgreSQL)', async (t) => {
    const pool = pgPool();
    await directPath(t, pool);
    await pool.close();
  });
  test('an awaiting read callback holds its lease until it settles (PostgreSQL)', async (t) => {
    const pool = pgPool();
    await asyncCallbacks(t, pool);
    await pool.close();
  });
  test('a read callback that throws or rejects releases its lease and rejects (PostgreSQL)', async (t) => {
    const pool = pgPool();
    await failingCallbacks(t, pool);
    await pool.close();
  });
  test('queued read callbacks settle as they returned, threw or rejected, one release each (PostgreSQL)', async (t) => {
    const pool = pgPool();
    await queuedCallbacks(t, pool, 2);
    await pool.close();
  });
});
