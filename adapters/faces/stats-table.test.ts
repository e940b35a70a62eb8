import test from 'ava';
import Database from 'better-sqlite3';
import { createPool, type PoolOptions } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { virtualClock } from '../../test/virtual-clock.js';
import { sqliteTimestamp } from './stats-table.js';

/** The seed's schema, as PRAGMA table_info reports it. */
const SEED_SCHEMA = [
  { cid: 0, name: 'id', type: 'INTEGER', notnull: 0, dflt_value: null, pk: 1 },
  { cid: 1, name: 'timestamp', type: 'TIMESTAMP', notnull: 0, dflt_value: 'CURRENT_TIMESTAMP', pk: 0 },
  { cid: 2, name: 'active_connections', type: 'INTEGER', notnull: 0, dflt_value: '0', pk: 0 },
  { cid: 3, name: 'max_connections', type: 'INTEGER', notnull: 0, dflt_value: '0', pk: 0 },
  { cid: 4, name: 'wait_time_ms', type: 'INTEGER', notnull: 0, dflt_value: '0', pk: 0 },
  { cid: 5, name: 'error_count', type: 'INTEGER', notnull: 0, dflt_value: '0', pk: 0 },
];

function setup(options: Partial<PoolOptions>) {
  const tmp = tempDir();
  const file = tmp.file();
  const business = new Database(file);
  business.exec(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ann')",
  );
  const clock = virtualClock();
  const pool = createPool({ filename: file, scheduler: clock.scheduler, max: 4, ...options });
  const rows = () =>
    business.prepare('SELECT * FROM connection_pool_stats ORDER BY id').all() as Record<string, unknown>[];
  return {
    pool,
    clock,
    business,
    rows,
    async done() {
      const closing = pool.close();
      await clock.advance(10);
      await closing;
      business.close();
      tmp.cleanup();
    },
  };
}

test('writes a row of the seed schema at every interval on the pool clock, touching no other table', async (t) => {
  const { pool, clock, business, rows, done } = setup({
    statsTable: { intervalMs: 60_000, retentionMs: false },
  });
  const before = business
    .prepare("SELECT name, sql FROM sqlite_master WHERE name != 'connection_pool_stats'")
    .all();
  const lease = await pool.acquire();
  await clock.advance(59_999);
  t.is(
    business.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'connection_pool_stats'").pluck().get(),
    0,
  );
  await clock.advance(1);
  t.deepEqual(business.pragma('table_info(connection_pool_stats)'), SEED_SCHEMA);
  await clock.advance(60_000);
  lease.release();
  await clock.advance(60_000);
  const [first, ...rest] = rows();
  // The first window holds the real time the first acquire waited for its connection to open.
  t.true(Number.isInteger(first?.['wait_time_ms']));
  t.deepEqual(
    [{ ...first, wait_time_ms: 0 }, ...rest],
    [
      {
        id: 1,
        timestamp: '1970-01-01 00:01:00',
        active_connections: 1,
        max_connections: 4,
        wait_time_ms: 0,
        error_count: 0,
      },
      {
        id: 2,
        timestamp: '1970-01-01 00:02:00',
        active_connections: 1,
        max_connections: 4,
        wait_time_ms: 0,
        error_count: 0,
      },
      {
        id: 3,
        timestamp: '1970-01-01 00:03:00',
        active_connections: 0,
        max_connections: 4,
        wait_time_ms: 0,
        error_count: 0,
      },
    ],
  );
  const after = business
    .prepare("SELECT name, sql FROM sqlite_master WHERE name != 'connection_pool_stats'")
    .all();
  t.deepEqual(after, [...before, { name: 'sqlite_sequence', sql: 'CREATE TABLE sqlite_sequence(name,seq)' }]);
  t.deepEqual(business.prepare('SELECT * FROM users').all(), [{ id: 1, name: 'ann' }]);
  await done();
});

test('a row carries the window p95 wait (rounded) and the window errors', async (t) => {
  const { pool, clock, rows, done } = setup({ statsTable: { intervalMs: 1000, retentionMs: false } });
  const holder = await pool.acquire({ mode: 'write' });
  const late = t.throwsAsync(pool.acquire({ mode: 'write', timeoutMs: 5 }));
  await clock.advance(5);
  await late;
  holder.release();
  await clock.advance(995);
  const s = pool.stats();
  const [row] = rows();
  t.is(row?.['error_count'], 1);
  t.is(row?.['wait_time_ms'], Math.round(s.window.acquireWait.p95Ms));
  await done();
});

test('deletes rows older than retentionMs in the same write', async (t) => {
  const { clock, rows, done } = setup({ statsTable: { intervalMs: 60_000, retentionMs: 120_000 } });
  await clock.advance(300_000);
  t.deepEqual(
    rows().map((r) => r['timestamp']),
    [sqliteTimestamp(180_000), sqliteTimestamp(240_000), sqliteTimestamp(300_000)],
  );
  await done();
});

test('a failed snapshot write is counted and reported, never thrown, and users are unaffected', async (t) => {
  const { pool, clock, business, done } = setup({ statsTable: { intervalMs: 1000 } });
  // A table of that name with another shape: CREATE IF NOT EXISTS keeps it and the INSERT fails.
  business.exec('CREATE TABLE connection_pool_stats (other TEXT)');
  const failures: unknown[] = [];
  pool.events$.subscribe((e) => e.type === 'stats.failed' && failures.push(e.error));
  await clock.advance(2000);
  t.is(pool.stats().snapshotFailures, 2);
  t.is(failures.length, 2);
  t.regex(String(failures[0]), /no column named timestamp/);
  t.deepEqual(await pool.read((db) => db.get('SELECT name FROM users')), { name: 'ann' });
  t.deepEqual(business.prepare('SELECT * FROM connection_pool_stats').all(), []);
  await done();
});

test('a snapshot never queues behind waiting user writers: it waits for a quiet tick', async (t) => {
  const { pool, clock, rows, done } = setup({ statsTable: { intervalMs: 1000, retentionMs: false } });
  const holder = await pool.acquire({ mode: 'write' });
  const user = pool.acquire({ mode: 'write', timeoutMs: 60_000 });
  await clock.advance(3000);
  t.is(pool.stats().waitingWrite, 1, 'only the user waits for the write lane');
  holder.release();
  (await user).release();
  await clock.advance(1000);
  t.deepEqual(
    rows().map((r) => r['timestamp']),
    [1000, 2000, 3000, 4000].map(sqliteTimestamp),
    'the deferred rows go in with the next batch',
  );
  await done();
});

test('the table is never written while the option is off', async (t) => {
  const { pool, clock, business, done } = setup({});
  await pool.read((db) => db.get('SELECT 1'));
  await clock.advance(180_000);
  t.is(
    business
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'connection_pool_stats'")
      .pluck()
      .get(),
    0,
  );
  await done();
});
