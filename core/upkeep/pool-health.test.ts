import test from 'ava';
import type Database from 'better-sqlite3';
import { VirtualTimeScheduler } from 'rxjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, type PoolError, type PoolLifecycleEvent, type PoolOptions } from '../../index.js';
import { tempDir, tick } from '../../test/helpers.js';

function setup(options: Partial<PoolOptions>) {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const pool = createPool({ filename: tmp.file(), scheduler, idleTimeoutMs: 0, ...options });
  const events: PoolLifecycleEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  const advance = async (ms: number): Promise<void> => {
    const until = scheduler.now() + ms;
    scheduler.maxFrames = until;
    scheduler.flush();
    scheduler.frame = until;
    await tick();
  };
  return {
    pool,
    events,
    advance,
    of: <T extends PoolLifecycleEvent['type']>(type: T) =>
      events.filter((e): e is Extract<PoolLifecycleEvent, { type: T }> => e.type === type),
    async done() {
      const closing = pool.close();
      scheduler.maxFrames = Infinity;
      scheduler.flush();
      await closing;
      tmp.cleanup();
    },
  };
}

test('a connection idle past validateAfterIdleMs is checked first, and a dead one is replaced', async (t) => {
  const s = setup({ validateAfterIdleMs: 10_000 });
  const lease = await s.pool.acquire();
  // Kill the connection behind the pool's back: only validation can notice.
  (lease.raw as Database.Database).close();
  lease.release();
  await s.advance(10_000);
  const next = await s.pool.acquire();
  t.deepEqual(await next.get('SELECT 1 AS one'), { one: 1 });
  t.is(s.of('connection.failed').length, 1);
  t.is(s.pool.stats().created, 2);
  next.release();
  await s.done();
});

test('a connection past maxLifetimeMs is replaced when free, and only after its holder releases', async (t) => {
  const s = setup({ maxLifetimeMs: 60_000, min: 1 });
  await tick();
  await tick();
  const held = await s.pool.acquire({ mode: 'write' });
  await s.advance(61_000);
  // The idle reader (opened for min) went; the held writer stays with its holder.
  t.deepEqual(
    s.of('connection.replaced').map((e) => [e.role, e.reason]),
    [['reader', 'max lifetime']],
  );
  t.deepEqual(await held.get('SELECT 1 AS one'), { one: 1 });
  held.release();
  await tick();
  t.deepEqual(
    s.of('connection.replaced').map((e) => e.role),
    ['reader', 'writer'],
  );
  t.deepEqual(await s.pool.write((db) => db.get('SELECT 2 AS two')), { two: 2 });
  t.deepEqual(await s.pool.read((db) => db.get('SELECT 3 AS three')), { three: 3 });
  await s.done();
});

test('a WAL past the threshold is restarted at the next reader gap and the alert clears', async (t) => {
  const s = setup({ walCheckpointThresholdFrames: 50 });
  await s.pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)'));
  // A reader holds a snapshot, so no checkpoint can restart the WAL while it lasts.
  const reader = await s.pool.acquire();
  await reader.exec('BEGIN');
  await reader.get('SELECT count(*) FROM t');
  for (let i = 0; i < 100; i++)
    await s.pool.write((db) => db.run('INSERT INTO t (v) VALUES (zeroblob(100))'));
  await s.advance(1_000);
  await tick();
  t.deepEqual(
    s.of('pool.alert').map((e) => [e.code, e.cleared]),
    [['WAL_STARVATION', false]],
  );
  await reader.exec('COMMIT');
  reader.release();
  await tick();
  await tick();
  t.deepEqual(
    s.of('pool.alert').map((e) => e.cleared),
    [false, true],
  );
  // The WAL starts again from the top: one more commit leaves only a frame or two in it.
  await s.pool.write((db) => db.run('INSERT INTO t (v) VALUES (1)'));
  const row = await s.pool.write((db) => db.get<{ log: number }>('PRAGMA wal_checkpoint(PASSIVE)'));
  t.true((row?.log ?? 99) <= 2);
  t.is(await s.pool.read((db) => db.get('SELECT count(*) AS n FROM t')).then((r) => r?.n), 101);
  await s.done();
});

test('after a failed open the pool answers from its backoff, then opens again once it has passed', async (t) => {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const file = join(tmp.dir, 'not-yet', 'bot.db');
  const pool = createPool({ filename: file, scheduler, idleTimeoutMs: 0, reconnectBackoffMs: 1000 });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: PoolError) => e.code,
    );
  t.is(await code(pool.read((db) => db.get('SELECT 1'))), 'CONNECTION_FAILED');
  mkdirSync(join(tmp.dir, 'not-yet'));
  // Within the backoff: the same cause at once, and no new attempt.
  t.is(await code(pool.read((db) => db.get('SELECT 1'))), 'CONNECTION_FAILED');
  t.is(pool.stats().failed, 1);
  scheduler.maxFrames = 1_250;
  scheduler.flush();
  scheduler.frame = 1_250;
  t.is(await code(pool.read((db) => db.get('SELECT 1'))), 'ok');
  t.is(pool.stats().failed, 1);
  const closing = pool.close();
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  await closing;
  tmp.cleanup();
});
