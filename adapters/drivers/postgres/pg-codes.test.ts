import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, diagnose, isPoolError, type Pool } from '../../../index.js';
import { postgresDriver } from '../../../postgres.js';
import { withPostgres } from '../../../test/pg-server.js';
import { diagnosePostgresCode } from './pg-codes.js';

const failure = async (work: Promise<unknown>): Promise<Error & { code?: string }> => {
  try {
    await work;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a failure');
};

test('an unknown SQLSTATE falls back to its class', (t) => {
  t.like(diagnosePostgresCode('23999'), { exact: false, category: 'caller' });
  t.like(diagnosePostgresCode('08999'), { exact: false, handling: 'fatal', kind: 'connection' });
  t.like(diagnosePostgresCode('ZZ999'), { exact: false, category: 'caller' });
});

const SCHEMA = [
  'CREATE TABLE guild (id int PRIMARY KEY)',
  'CREATE TABLE member (id int PRIMARY KEY, guild int REFERENCES guild (id), xp int NOT NULL CHECK (xp >= 0))',
  'INSERT INTO guild VALUES (1)',
  'INSERT INTO member VALUES (1, 1, 0)',
];
const VIOLATIONS = [
  ['INSERT INTO member VALUES (1, 1, 0)', 'unique'],
  ['INSERT INTO member VALUES (2, 9, 0)', 'foreign-key'],
  ['INSERT INTO member VALUES (3, 1, -1)', 'check'],
  ['INSERT INTO member VALUES (4, 1, NULL)', 'not-null'],
] as const;

/** A bot's "already exists" path, written once. */
async function join_(pool: Pool, id: number): Promise<'joined' | 'already'> {
  try {
    await pool.write((db) => db.run(`INSERT INTO member VALUES (${id}, 1, 0)`));
    return 'joined';
  } catch (err) {
    if (diagnose(err).kind === 'unique') return 'already';
    throw err;
  }
}

test('SQLite constraint failures carry the same kinds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roas-kinds-'));
  const pool = createPool({ filename: join(dir, 'bot.db') });
  await pool.write((db) => db.exec('PRAGMA foreign_keys = ON'));
  for (const sql of SCHEMA) await pool.write((db) => db.exec(sql));
  for (const [sql, kind] of VIOLATIONS) {
    const err = await failure(pool.write((db) => db.exec(`PRAGMA foreign_keys = ON; ${sql}`)));
    t.is(diagnose(err).kind, kind, `${sql}: ${err.code}`);
    t.true(err.code?.startsWith('SQLITE_CONSTRAINT'));
  }
  t.is(await join_(pool, 1), 'already');
  t.is(await join_(pool, 5), 'joined');
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

withPostgres((server) => {
  const make = (options: Parameters<typeof postgresDriver>[0] = {}, max = 4) =>
    createPool({ driver: postgresDriver({ connectionString: server().url, ...options }), max });

  test.serial('constraint failures are classified by SQLSTATE, which stays on the error', async (t) => {
    const pool = make();
    for (const sql of SCHEMA) await pool.write((db) => db.exec(sql));
    const codes: Record<string, string> = {
      unique: '23505',
      'foreign-key': '23503',
      check: '23514',
      'not-null': '23502',
    };
    for (const [sql, kind] of VIOLATIONS) {
      const err = await failure(pool.write((db) => db.exec(sql)));
      t.like(diagnose(err), { code: codes[kind], kind, exact: true, category: 'caller' }, sql);
      t.is(err.code, codes[kind]);
    }
    t.is(await join_(pool, 1), 'already');
    t.is(await join_(pool, 5), 'joined');
    await pool.close();
  });

  test.serial('serialization failures, deadlocks and statement timeouts are classified', async (t) => {
    const pool = make();
    await pool.write((db) =>
      db.exec('CREATE TABLE counter (id int PRIMARY KEY, n int); INSERT INTO counter VALUES (1, 0), (2, 0)'),
    );
    const a = await pool.acquire({ mode: 'write' });
    await a.exec('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await a.get('SELECT n FROM counter WHERE id = 1');
    await pool.write((db) => db.run('UPDATE counter SET n = n + 1 WHERE id = 1'));
    const serial = await failure(a.run('UPDATE counter SET n = n + 1 WHERE id = 1'));
    await a.exec('ROLLBACK');
    t.like(diagnose(serial), { code: '40001', kind: 'serialization', category: 'restart-transaction' });

    const b = await pool.acquire({ mode: 'write' });
    await a.exec("BEGIN; SET LOCAL deadlock_timeout = '20ms'");
    await b.exec("BEGIN; SET LOCAL deadlock_timeout = '20ms'");
    await a.run('UPDATE counter SET n = 1 WHERE id = 1');
    await b.run('UPDATE counter SET n = 1 WHERE id = 2');
    const crossed = await Promise.allSettled([
      a.run('UPDATE counter SET n = 2 WHERE id = 2'),
      b.run('UPDATE counter SET n = 2 WHERE id = 1'),
    ]);
    await a.exec('ROLLBACK');
    await b.exec('ROLLBACK');
    const deadlock = crossed.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    t.like(diagnose(deadlock.reason), { code: '40P01', kind: 'deadlock', category: 'restart-transaction' });

    await a.exec("BEGIN; SET LOCAL statement_timeout = '50ms'");
    const slow = await failure(a.get('SELECT pg_sleep(5)'));
    await a.exec('ROLLBACK');
    t.like(diagnose(slow), { code: '57014', kind: 'timeout' });
    a.release();
    b.release();
    await pool.close();
  });

  /**
   * Kills the write lease's backend and runs one more statement on it. With `heardFirst`, waits
   * until node-postgres has heard the server's FATAL while no query was active (it then answers
   * only "not queryable"); without, the statement races the FATAL.
   */
  async function killedBackend(t: import('ava').ExecutionContext, heardFirst: boolean): Promise<void> {
    const pool = make();
    const lease = await pool.acquire({ mode: 'write' });
    const pid = (await lease.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid;
    const client = heardFirst
      ? (lease.raw as { once(event: 'error', listener: (err: Error) => void): void })
      : undefined;
    const heard = new Promise<Error>((resolve) => client?.once('error', resolve));
    await pool.write((db) => db.get('SELECT pg_terminate_backend($1)', [pid]));
    if (heardFirst) t.like(await heard, { code: '57P01' });
    const err = await failure(lease.get('SELECT 1'));
    lease.release();
    const d = diagnose(err);
    t.like(d, { code: 'CONNECTION_LOST', kind: 'connection' });
    t.like(d.cause, { code: '57P01', kind: 'connection' });
    await pool.close();
  }

  test.serial('a killed backend is a connection failure, its SQLSTATE kept as the cause', (t) =>
    killedBackend(t, false),
  );

  test.serial('a backend killed while idle, heard before the next statement, still names its SQLSTATE', (t) =>
    killedBackend(t, true),
  );

  test.serial('after query_timeout fires the connection is retired with a typed error', async (t) => {
    const pool = make({ query_timeout: 200 }, 1);
    const err = await failure(pool.write((db) => db.get('SELECT pg_sleep(3)')));
    t.true(isPoolError(err) && err.code === 'CONNECTION_LOST', String(err));
    t.like(diagnose(err).cause, { kind: 'timeout', handling: 'fatal' });
    // The one connection was replaced: the next caller is served.
    t.deepEqual(await pool.write((db) => db.get('SELECT 1 AS one')), { one: 1 });
    await pool.close();
  });
});
