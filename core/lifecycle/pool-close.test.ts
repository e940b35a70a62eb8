import test from 'ava';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { VirtualTimeScheduler } from 'rxjs';
import { createPool, PoolError } from '../../index.js';
import { promiseState, tempDir, tick } from '../../test/helpers.js';

test('close waits up to closeTimeoutMs, rolls back what a holder left open, keeps every commit', async (t) => {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const pool = createPool({ filename: tmp.file(), scheduler, closeTimeoutMs: 2_000, idleTimeoutMs: 0 });
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)'));
  await pool.transaction((tx) => tx.run('INSERT INTO t (v) VALUES (1)'));
  // Another process keeps the file open, so only the pool's own TRUNCATE checkpoint empties the WAL.
  const other = new Database(tmp.file());
  const stuck = await pool.acquire({ mode: 'write' });
  await stuck.exec('BEGIN IMMEDIATE');
  await stuck.run('INSERT INTO t (v) VALUES (2)');
  const closing = pool.close();
  t.is(pool.close(), closing, 'idempotent');
  scheduler.maxFrames = 1_999;
  scheduler.flush();
  await tick();
  t.is(await promiseState(closing), 'pending', 'still waiting for the holder');
  t.is(((await pool.acquire().catch((e: unknown) => e)) as PoolError).code, 'POOL_CLOSED');
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  await closing;
  t.deepEqual(other.prepare('SELECT v FROM t').all(), [{ v: 1 }]);
  t.is(statSync(`${tmp.file()}-wal`).size, 0, 'wal_checkpoint(TRUNCATE) ran');
  t.is(other.pragma('integrity_check', { simple: true }), 'ok');
  // The holder comes back late: its release is accepted quietly.
  t.notThrows(() => stuck.release());
  other.close();
  tmp.cleanup();
});

test('close does not wait when every lease comes back in time', async (t) => {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const pool = createPool({ filename: tmp.file(), scheduler, closeTimeoutMs: 60_000, idleTimeoutMs: 0 });
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)'));
  const lease = await pool.acquire({ mode: 'write' });
  const closing = pool.close();
  await lease.run('INSERT INTO t (v) VALUES (7)');
  lease.release();
  await closing;
  t.is(scheduler.now(), 0, 'no timer had to fire');
  const db = new Database(tmp.file());
  t.deepEqual(db.prepare('SELECT v FROM t').all(), [{ v: 7 }]);
  db.close();
  tmp.cleanup();
});

test('optimize runs on a busy pool and closes idle readers above min', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), min: 2, idleTimeoutMs: 0 });
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)'));
  const leases = await Promise.all(Array.from({ length: 5 }, () => pool.acquire()));
  const held = leases.pop();
  for (const lease of leases) lease.release();
  t.is(pool.stats().total, 6);
  await pool.optimize();
  // min 2: the writer and the reader still held stay; the four idle readers go.
  t.is(pool.stats().total, 2);
  t.deepEqual(await held?.get('SELECT count(*) AS n FROM t'), { n: 0 });
  held?.release();
  await pool.close();
  tmp.cleanup();
});
