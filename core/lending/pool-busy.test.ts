import test from 'ava';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolError } from '../../index.js';
import { filePool, promiseState, withTable } from '../../test/helpers.js';

// Another connection (as another process would) holds SQLite's write lock: the pool waits in its
// own queue, asynchronously, and ends in a typed error past the deadline.

const setup = filePool;

test('a write lock held by another connection is waited out asynchronously', async (t) => {
  const { pool, file, done } = setup();
  await withTable(pool);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  let heartbeats = 0;
  const heart = setInterval(() => heartbeats++, 1);
  const tx = pool.transaction((db) => db.run('INSERT INTO t (w, i) VALUES (1, 1)'));
  // A blocking busy-wait would hold the loop until the lock is freed or the wait gives up; so if
  // the loop turns several times while the write is still pending, the pool is waiting asynchronously.
  // (Counted in turns, not ms: other tests in this file may hold the loop for a while.)
  while (heartbeats < 3) await sleep(1);
  t.is(await promiseState(tx), 'pending', 'the event loop kept running while the pool waited');
  other.exec('COMMIT');
  await tx;
  clearInterval(heart);
  other.close();
  t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: 1 });
  await done();
});

test('a write lock held past the deadline ends in a typed SQLITE_BUSY', async (t) => {
  const { pool, file, done } = setup({ acquireTimeoutMs: 30 });
  await withTable(pool);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  const err = await t.throwsAsync<PoolError>(
    pool.transaction((db) => db.run('INSERT INTO t (w, i) VALUES (1, 1)')),
  );
  t.is(err.code, 'SQLITE_BUSY');
  t.is((err.cause as { code?: string }).code, 'SQLITE_BUSY');
  other.exec('ROLLBACK');
  other.close();
  t.is(pool.stats().leased, 0);
  await done();
});
