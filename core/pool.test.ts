import test from 'ava';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, defaultWiring, PoolError } from '../index.js';
import { filePool, promiseState, tick, withTable } from '../test/helpers.js';

const setup = filePool;

test('grants a read lease and runs parameterized statements', async (t) => {
  const { pool, done } = setup();
  await withTable(pool);
  const r = await pool.write((db) =>
    db.run('INSERT INTO t (w, i) VALUES (?, @i)'.replace('@i', '?'), [1, 2]),
  );
  t.is(r.changes, 1);
  t.is(r.lastInsertRowid, 1);
  t.deepEqual(await pool.read((db) => db.get('SELECT w, i FROM t WHERE id = ?', [1])), { w: 1, i: 2 });
  t.deepEqual(await pool.read((db) => db.get('SELECT w FROM t WHERE i = @i', { i: 2 })), { w: 1 });
  t.deepEqual(await pool.read((db) => db.all('SELECT id FROM t')), [{ id: 1 }]);
  await done();
});

test('opens connections in WAL mode with busy_timeout 0 and synchronous NORMAL', async (t) => {
  const { pool, done } = setup();
  const lease = await pool.acquire({ mode: 'read' });
  const db = lease.raw as Database.Database;
  t.is(db.pragma('journal_mode', { simple: true }), 'wal');
  t.is(db.pragma('busy_timeout', { simple: true }), 0);
  t.is(db.pragma('synchronous', { simple: true }), 1);
  lease.release();
  await done();
});

test('a write on a read lease fails with READ_ONLY_LEASE and writes nothing', async (t) => {
  const { pool, done } = setup();
  await withTable(pool);
  const err = await t.throwsAsync(pool.read((db) => db.run('INSERT INTO t (w, i) VALUES (1, 1)')));
  t.is((err as PoolError).code, 'READ_ONLY_LEASE');
  t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: 0 });
  await done();
});

test('holds one write lease at a time and serves the next writer on release', async (t) => {
  const { pool, done } = setup();
  const first = await pool.acquire({ mode: 'write' });
  const second = pool.acquire({ mode: 'write' });
  await tick();
  t.is(await promiseState(second), 'pending');
  t.is(pool.stats().leasedWrite, 1);
  t.is(pool.stats().waitingWrite, 1);
  first.release();
  const lease = await second;
  t.is(lease.mode, 'write');
  lease.release();
  await done();
});

test('readers are not held up by a writer', async (t) => {
  const { pool, done } = setup();
  await withTable(pool);
  const tx = pool.transaction(async (db) => {
    await db.run('INSERT INTO t (w, i) VALUES (1, 1)');
    await sleep(20);
  });
  await tick();
  t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: 0 });
  t.is(await promiseState(tx), 'pending');
  await tx;
  await done();
});

test('serves waiters in arrival order', async (t) => {
  const { pool, done } = setup();
  const holder = await pool.acquire({ mode: 'write' });
  const order: number[] = [];
  const waiters = [0, 1, 2, 3].map((n) =>
    pool.write(() => {
      order.push(n);
    }),
  );
  await tick();
  holder.release();
  await Promise.all(waiters);
  t.deepEqual(order, [0, 1, 2, 3]);
  await done();
});

test('transaction commits on success and rolls back and rethrows on error', async (t) => {
  const { pool, done } = setup();
  await withTable(pool);
  await pool.transaction(async (tx) => {
    await tx.run('INSERT INTO t (w, i) VALUES (1, 1)');
    await sleep(1);
    await tx.run('INSERT INTO t (w, i) VALUES (1, 2)');
  });
  const boom = new Error('boom');
  const err = await t.throwsAsync(
    pool.transaction(async (tx) => {
      await tx.run('INSERT INTO t (w, i) VALUES (2, 1)');
      await sleep(1);
      throw boom;
    }),
  );
  t.is(err, boom);
  t.deepEqual(await pool.read((db) => db.all('SELECT w, i FROM t ORDER BY id')), [
    { w: 1, i: 1 },
    { w: 1, i: 2 },
  ]);
  t.is(pool.stats().leased, 0);
  await done();
});

test('release rolls back a transaction the holder left open', async (t) => {
  const { pool, done } = setup();
  await withTable(pool);
  const lease = await pool.acquire({ mode: 'write' });
  await lease.exec('BEGIN IMMEDIATE');
  await lease.run('INSERT INTO t (w, i) VALUES (1, 1)');
  lease.release();
  const next = await pool.acquire({ mode: 'write' });
  t.false(next.inTransaction);
  t.deepEqual(await next.get('SELECT count(*) AS n FROM t'), { n: 0 });
  next.release();
  await done();
});

test('a second release throws DOUBLE_RELEASE, is counted, and changes nothing', async (t) => {
  const { pool, done } = setup();
  const lease = await pool.acquire();
  lease.release();
  const before = pool.stats();
  const err = t.throws(() => lease.release());
  t.is((err as PoolError).code, 'DOUBLE_RELEASE');
  const after = pool.stats();
  t.is(after.doubleReleases, 1);
  t.is(after.released, before.released);
  t.is(after.idle, before.idle);
  await done();
});

test('any use after release fails LEASE_RELEASED at once: statements reject, getters throw', async (t) => {
  const { pool, done } = setup();
  const lease = await pool.acquire();
  lease.release();
  for (const use of [
    () => lease.get('SELECT 1'),
    () => lease.all('SELECT 1'),
    () => lease.run('SELECT 1'),
    () => lease.exec('SELECT 1'),
  ]) {
    t.is((await t.throwsAsync<PoolError>(use))?.code, 'LEASE_RELEASED');
  }
  for (const use of [() => lease.raw, () => lease.inTransaction]) {
    t.is(t.throws<PoolError>(use).code, 'LEASE_RELEASED');
  }
  await done();
});

test('acquire after close rejects with POOL_CLOSED, and close is idempotent', async (t) => {
  const { pool, done } = setup();
  await pool.read((db) => db.get('SELECT 1'));
  const closing = pool.close();
  t.is(pool.close(), closing);
  await closing;
  const err = await t.throwsAsync(pool.acquire());
  t.is((err as PoolError).code, 'POOL_CLOSED');
  t.is(pool.stats().total, 0);
  await done();
});

test('close rejects the waiters and waits for the holders', async (t) => {
  const { pool, done } = setup();
  const holder = await pool.acquire({ mode: 'write' });
  const waiter = pool.acquire({ mode: 'write' });
  const closing = pool.close();
  const err = await t.throwsAsync(waiter);
  t.is((err as PoolError).code, 'POOL_CLOSED');
  await tick();
  t.is(await promiseState(closing), 'pending');
  holder.release();
  await closing;
  t.is(pool.stats().total, 0);
  await done();
});

test('a waiter past its deadline gets ACQUIRE_TIMEOUT with the pool counts, and leaves nothing', async (t) => {
  const { pool, done } = setup();
  const holder = await pool.acquire({ mode: 'write' });
  const err = await t.throwsAsync<PoolError>(pool.acquire({ mode: 'write', timeoutMs: 5 }));
  t.is(err.code, 'ACQUIRE_TIMEOUT');
  t.regex(err.message, /total 1, leased 1, idle 0, waiting 0/);
  t.deepEqual(err.state, { total: 1, leased: 1, idle: 0, waiting: 0 });
  t.is(pool.stats().timeouts, 1);
  holder.release();
  t.is(pool.stats().leased, 0);
  t.is(pool.stats().waiting, 0);
  await done();
});

test('an aborted acquire rejects with ABORTED and the connection goes to the next waiter', async (t) => {
  const { pool, done } = setup();
  const holder = await pool.acquire({ mode: 'write' });
  const ac = new AbortController();
  const aborted = pool.acquire({ mode: 'write', signal: ac.signal });
  const next = pool.acquire({ mode: 'write' });
  ac.abort();
  t.is((await t.throwsAsync<PoolError>(aborted)).code, 'ABORTED');
  holder.release();
  (await next).release();
  t.is(pool.stats().leased, 0);
  t.is(pool.stats().aborted, 1);
  const pre = new AbortController();
  pre.abort();
  t.is((await t.throwsAsync<PoolError>(pool.acquire({ signal: pre.signal }))).code, 'ABORTED');
  await done();
});

test('past maxWaiting, acquire rejects at once with POOL_EXHAUSTED', async (t) => {
  const { pool, done } = setup({ maxWaiting: 1 });
  const holder = await pool.acquire({ mode: 'write' });
  const waiting = pool.acquire({ mode: 'write' });
  const err = await t.throwsAsync<PoolError>(pool.acquire({ mode: 'write' }));
  t.is(err.code, 'POOL_EXHAUSTED');
  t.is(pool.stats().rejected, 1);
  holder.release();
  (await waiting).release();
  await done();
});

test('an unopenable database rejects waiters with CONNECTION_FAILED and its cause, without retrying', async (t) => {
  const pool = createPool({ filename: '/nonexistent-dir/for/sure/bot.db' });
  const err = await t.throwsAsync<PoolError>(pool.read((db) => db.get('SELECT 1')));
  t.is(err.code, 'CONNECTION_FAILED');
  t.regex((err.cause as Error).message, /directory does not exist/);
  t.is(pool.stats().failed, 1);
  await tick();
  t.is(pool.stats().opening, 0);
  await pool.close();
});

test('maxWaiting bounds the waiters of both lanes together', async (t) => {
  const { pool, done } = setup({ maxWaiting: 2, max: 2 });
  const writer = await pool.acquire({ mode: 'write' });
  const reader = await pool.acquire({ mode: 'read' });
  const w = pool.acquire({ mode: 'write' });
  const r = pool.acquire({ mode: 'read' });
  t.is((await t.throwsAsync<PoolError>(pool.acquire({ mode: 'read' }))).code, 'POOL_EXHAUSTED');
  t.is((await t.throwsAsync<PoolError>(pool.acquire({ mode: 'write' }))).code, 'POOL_EXHAUSTED');
  writer.release();
  reader.release();
  (await w).release();
  (await r).release();
  await done();
});

test('an acquire with an already-aborted signal is rejected even when a connection is free', async (t) => {
  const { pool, done } = setup();
  await pool.read((db) => db.get('SELECT 1'));
  t.is(pool.stats().idle, 1);
  const ac = new AbortController();
  ac.abort();
  const err = await t.throwsAsync<PoolError>(pool.acquire({ signal: ac.signal }));
  t.is(err.code, 'ABORTED');
  t.is(pool.stats().leased, 0);
  await done();
});

test('the default wiring is frozen: no code changes the driver or the checks of every pool at once', (t) => {
  t.true(Object.isFrozen(defaultWiring));
  t.true(Object.isFrozen(defaultWiring.checks));
  t.throws(() => Object.assign(defaultWiring, { statsTable: () => undefined }), { instanceOf: TypeError });
  t.throws(() => Object.assign(defaultWiring.checks, { filename: () => undefined }), {
    instanceOf: TypeError,
  });
  const own = { ...defaultWiring, statsTable: defaultWiring.statsTable };
  t.false(Object.isFrozen(own), "a spread copy is the caller's to change");
});
