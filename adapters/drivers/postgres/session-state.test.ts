import test from 'ava';
import { createPool } from '../../../create-pool.js';
import { postgresDriver } from '../../../postgres.js';
import { withPostgres } from '../../../test/pg-server.js';
import { changesSession } from './session-state.js';

test('tells statements that change the session from those that do not', (t) => {
  for (const sql of [
    "SET statement_timeout = '50ms'",
    'set search_path TO app',
    '/* why */ SET ROLE bot',
    'RESET ALL',
    'LISTEN events',
    'CREATE TEMP TABLE scratch (x int)',
    'create temporary table scratch (x int)',
    'SELECT 1 INTO TEMP scratch',
    "SELECT set_config('app.user', '7', false)",
    'SELECT pg_advisory_lock(1)',
    'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    'PREPARE q AS SELECT 1',
    'BEGIN; SET search_path TO app; COMMIT',
  ])
    t.true(changesSession(sql), sql);
  for (const sql of [
    'SELECT 1',
    "SET LOCAL statement_timeout = '50ms'",
    'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'UPDATE xp SET points = 1',
    'INSERT INTO xp VALUES (1, 2) ON CONFLICT (user_id) DO UPDATE SET points = 3',
    'ALTER TABLE xp ALTER COLUMN points SET DEFAULT 0',
    'SELECT pg_advisory_xact_lock(1)',
  ])
    t.false(changesSession(sql), sql);
});

// A real server (test/pg-server.ts): one connection, so each lease gets the session the last one left.
withPostgres((server) => {
  const onePool = (options: Parameters<typeof postgresDriver>[0] = {}) =>
    createPool({ driver: postgresDriver({ connectionString: server().url, ...options }), max: 1 });

  test.serial('a SET does not outlive its lease', async (t) => {
    const pool = onePool();
    await pool.write((db) => db.exec("SET statement_timeout = '50ms'"));
    await t.notThrowsAsync(pool.write((db) => db.get('SELECT pg_sleep(0.2)')));
    t.is(
      (await pool.read((db) => db.get<{ v: string }>("SELECT current_setting('statement_timeout') AS v")))?.v,
      '0',
    );
    await pool.close();
  });

  test.serial('temporary tables, listeners and advisory locks do not outlive their lease', async (t) => {
    const pool = onePool();
    await pool.write(async (db) => {
      await db.exec('CREATE TEMP TABLE scratch (x int)');
      await db.exec('LISTEN events');
      await db.get('SELECT pg_advisory_lock(42)');
    });
    const left = await pool.read((db) =>
      db.get<{ temp: string | null; channels: number; locks: number }>(
        `SELECT to_regclass('pg_temp.scratch')::text AS temp,
                (SELECT count(*) FROM pg_listening_channels()) AS channels,
                (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks`,
      ),
    );
    t.deepEqual(left, { temp: null, channels: 0, locks: 0 });
    await pool.close();
  });

  test.serial('what a holder does through lease.raw is reset too, back to the driver settings', async (t) => {
    const pool = onePool({ application_name: 'bot' });
    const lease = await pool.acquire({ mode: 'write' });
    await (lease.raw as { query(sql: string): Promise<unknown> }).query("SET application_name = 'other'");
    lease.release();
    t.is(
      (await pool.read((db) => db.get<{ v: string }>("SELECT current_setting('application_name') AS v")))?.v,
      'bot',
    );
    await pool.close();
  });

  test.serial('a SET inside a committed transaction is reset, a SET LOCAL ends with it', async (t) => {
    const pool = onePool();
    await pool.transaction(async (tx) => {
      await tx.exec('SET LOCAL search_path TO pg_catalog');
      await tx.exec("SET timezone TO 'Asia/Tokyo'");
    });
    const row = await pool.read((db) =>
      db.get<{ path: string; zone: string }>(
        "SELECT current_setting('search_path') AS path, current_setting('timezone') AS zone",
      ),
    );
    t.is(row?.path, '"$user", public');
    t.not(row?.zone, 'Asia/Tokyo');
    await pool.close();
  });
});
