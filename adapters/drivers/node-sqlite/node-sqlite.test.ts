import test from 'ava';
import { writeFileSync } from 'node:fs';
import { diagnose, nodeSqliteDriver, PoolError, sqliteDriver } from '../../../index.js';
import { tempDir } from '../../../test/helpers.js';
import type { DriverConnection } from '../../../core/driver.js';
import { sqliteCodes } from '../sqlite/diagnose-sqlite.js';
import { classifyNodeSqliteError, toSqliteError } from './node-sqlite-errors.js';
import { nodeSqliteAvailable } from './node-sqlite-module.js';
import { sqliteCodeName } from './sqlite-result-codes.js';

// Tests that need node:sqlite are skipped below Node 22.16, which has none (no-build.test.ts asserts
// the typed error there). The code-table tests run everywhere.
const nodeTest = nodeSqliteAvailable() ? test : test.skip;

test('names SQLite result codes as better-sqlite3 does, every name one the diagnosis table knows', (t) => {
  t.is(sqliteCodeName(5), 'SQLITE_BUSY');
  t.is(sqliteCodeName(517), 'SQLITE_BUSY_SNAPSHOT');
  t.is(sqliteCodeName(2067), 'SQLITE_CONSTRAINT_UNIQUE');
  t.is(sqliteCodeName(1032), 'SQLITE_READONLY_DBMOVED');
  // An extended code a later SQLite adds falls back to its primary code (the low byte).
  t.is(sqliteCodeName(5 | (60 << 8)), 'SQLITE_BUSY');
  const known = new Set(sqliteCodes());
  const names = Array.from({ length: 1 << 13 }, (_, n) => sqliteCodeName(n)).filter(
    (name) => !name.startsWith('SQLITE_UNKNOWN'),
  );
  t.deepEqual(
    [...new Set(names)].filter((name) => !known.has(name)),
    [],
  );
});

test("turns node:sqlite's error into one with SQLite's extended code by name, and classifies it", (t) => {
  const raw = Object.assign(new Error('database is locked'), {
    code: 'ERR_SQLITE_ERROR',
    errcode: 5,
    errstr: 'database is locked',
  });
  const err = toSqliteError(raw) as { code: string; errcode: number; cause: unknown; name: string };
  t.like(err, { code: 'SQLITE_BUSY', errcode: 5, name: 'SqliteError' });
  t.is(err.cause, raw);
  t.is(classifyNodeSqliteError(raw), 'busy');
  t.is(diagnose(err).category, 'retry');
  const closed = Object.assign(new Error('database is not open'), { code: 'ERR_INVALID_STATE' });
  t.is(classifyNodeSqliteError(closed), 'fatal');
  t.is(classifyNodeSqliteError(new TypeError('x')), 'statement');
});

test('rejects an unknown option, and says why the worker-thread options are absent', (t) => {
  const bad = { filename: 'bot.db', threads: true } as unknown as Parameters<typeof nodeSqliteDriver>[0];
  t.throws(() => nodeSqliteDriver(bad), { instanceOf: PoolError, message: /no option "threads".*inline/ });
  const typo = { filename: 'bot.db', fileMustExists: true } as unknown as Parameters<
    typeof nodeSqliteDriver
  >[0];
  t.throws(() => nodeSqliteDriver(typo), { message: /^INVALID_OPTION.*fileMustExist,/ });
});

async function opened(
  role: 'writer' | 'reader' = 'writer',
  options: { safeIntegers?: boolean } = {},
): Promise<{ conn: DriverConnection; done: () => Promise<void> }> {
  const tmp = tempDir();
  const setup = await nodeSqliteDriver({ filename: tmp.file() }).open('writer');
  await setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  await setup.close();
  const driver = nodeSqliteDriver({ filename: tmp.file(), ...options });
  const conn = await driver.open(role);
  return {
    conn,
    async done() {
      await conn.close();
      await driver.dispose?.();
      tmp.cleanup();
    },
  };
}

nodeTest('runs, reads, binds positional and named parameters, and reports the transaction', async (t) => {
  const { conn, done } = await opened();
  t.deepEqual(await conn.run('INSERT INTO t (v) VALUES (?)', ['a']), { changes: 1, lastInsertRowid: 1 });
  await conn.run('INSERT INTO t (v) VALUES (@v)', { v: 'b' });
  t.deepEqual(await conn.get('SELECT v FROM t WHERE id = :id', { id: 2 }), { v: 'b' });
  t.deepEqual(await conn.all('SELECT id, v FROM t ORDER BY id'), [
    { id: 1, v: 'a' },
    { id: 2, v: 'b' },
  ]);
  t.deepEqual(await conn.values?.('SELECT id, v FROM t ORDER BY id'), [
    [1, 'a'],
    [2, 'b'],
  ]);
  // The arrays flag was for that call only.
  t.deepEqual(await conn.get('SELECT id FROM t ORDER BY id'), { id: 1 });
  t.deepEqual(await conn.getMany?.('SELECT v FROM t WHERE id = ?', [[1], [3], [2]]), [
    { v: 'a' },
    undefined,
    { v: 'b' },
  ]);
  t.false(conn.inTransaction);
  await conn.exec('BEGIN IMMEDIATE');
  t.true(conn.inTransaction);
  await conn.exec('ROLLBACK');
  t.false(conn.inTransaction);
  await done();
  t.false(conn.inTransaction, 'a closed connection is in no transaction, and says so without throwing');
});

nodeTest('streams rows in chunks and frees the connection when the consumer stops early', async (t) => {
  const { conn, done } = await opened();
  await conn.exec(
    `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 25) INSERT INTO t (v) SELECT k FROM n`,
  );
  const sizes: number[] = [];
  for await (const chunk of conn.iterate!('SELECT v FROM t', undefined, 10)) sizes.push(chunk.length);
  t.deepEqual(sizes, [10, 10, 5]);
  for await (const chunk of conn.iterate!('SELECT v FROM t', undefined, 10)) {
    t.is(chunk.length, 10);
    break;
  }
  await conn.run('INSERT INTO t (v) VALUES (?)', ['after']);
  t.deepEqual(await conn.get('SELECT count(*) AS n FROM t'), { n: 26 });
  await done();
});

nodeTest('raises SQLite errors with their extended code by name, as better-sqlite3 does', async (t) => {
  const { conn, done } = await opened();
  await conn.run('INSERT INTO t (v) VALUES (?)', ['a']);
  const dup = await t.throwsAsync(conn.run('INSERT INTO t (v) VALUES (?)', ['a']));
  t.like(dup, { code: 'SQLITE_CONSTRAINT_UNIQUE', name: 'SqliteError' });
  t.regex(dup.message, /^UNIQUE constraint failed: t\.v$/);
  t.throws(() => conn.sync!.run('INSERT INTO t (v) VALUES (?)', ['a']), { message: /UNIQUE/ });
  t.like(await t.throwsAsync(conn.all('SELEC 1')), { code: 'SQLITE_ERROR' });
  t.like(await t.throwsAsync(conn.exec('CREATE TABLE t (x)')), { code: 'SQLITE_ERROR' });
  await done();
});

nodeTest(
  'a reader is query_only: its write fails with SQLITE_READONLY, which classifies as read-only',
  async (t) => {
    const { conn, done } = await opened('reader');
    const err = await t.throwsAsync(conn.run('INSERT INTO t (v) VALUES (?)', ['a']));
    t.like(err, { code: 'SQLITE_READONLY' });
    t.is(classifyNodeSqliteError(err), 'read-only');
    await done();
  },
);

const STATEMENTS = [
  'SELECT 1',
  'SELECT * FROM t',
  'INSERT INTO t (v) VALUES (1)',
  'INSERT INTO t (v) VALUES (1) RETURNING id',
  'UPDATE t SET v = 2',
  'DELETE FROM t',
  'CREATE TABLE u (a)',
  'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)',
  'DROP TABLE IF EXISTS missing',
  'BEGIN',
  'BEGIN IMMEDIATE',
  'COMMIT',
  'SAVEPOINT s1',
  'PRAGMA user_version',
  'PRAGMA user_version = 3',
  'PRAGMA journal_mode',
  'PRAGMA wal_checkpoint(TRUNCATE)',
  'VACUUM',
  'ANALYZE',
  'WITH x AS (SELECT 1 AS one) SELECT * FROM x',
  'EXPLAIN SELECT 1',
];

nodeTest('says what better-sqlite3 says of a statement: read-only, returns rows, its columns', async (t) => {
  const { conn, done } = await opened();
  const tmp = tempDir();
  let reference: DriverConnection | undefined;
  try {
    const driver = sqliteDriver({ filename: tmp.file() });
    reference = await driver.open('writer');
    await reference.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  } catch (err) {
    // Only where better-sqlite3 is not built for this Node.js: compare with the recorded answers.
    t.is((err as PoolError).code, 'NATIVE_BINDING_MISSING');
  }
  for (const sql of STATEMENTS) {
    const mine = await conn.describe!(sql);
    if (reference) t.deepEqual(mine, await reference.describe!(sql), sql);
    t.is(await conn.isReadonly(sql), mine.readonly, sql);
  }
  t.deepEqual(await conn.describe!('SELECT id, v AS value FROM t'), {
    readonly: true,
    reader: true,
    columns: ['id', 'value'],
  });
  t.like(await conn.describe!('INSERT INTO t (v) VALUES (1)'), { readonly: false, reader: false });
  t.like(await t.throwsAsync(conn.isReadonly('SELEC 1')), { code: 'SQLITE_ERROR' });
  await reference?.close();
  tmp.cleanup();
  await done();
});

nodeTest(
  'safeIntegers reads INTEGER as bigint; without it an INTEGER past 2^53 throws a RangeError',
  async (t) => {
    const big = 2n ** 60n + 1n;
    const exact = await opened('writer', { safeIntegers: true });
    await exact.conn.run('CREATE TABLE ids (id INTEGER)');
    await exact.conn.run('INSERT INTO ids VALUES (?)', [big]);
    t.deepEqual(await exact.conn.get('SELECT id FROM ids'), { id: big });
    await exact.done();
    const lossy = await opened();
    await lossy.conn.run('CREATE TABLE ids (id INTEGER)');
    await lossy.conn.run('INSERT INTO ids VALUES (?)', [big]);
    t.like(await t.throwsAsync(lossy.conn.get('SELECT id FROM ids')), { code: 'ERR_OUT_OF_RANGE' });
    await lossy.done();
  },
);

nodeTest(
  'fileMustExist fails a missing file with SQLITE_CANTOPEN; a non-database file with SQLITE_NOTADB',
  async (t) => {
    const tmp = tempDir();
    const missing = nodeSqliteDriver({ filename: tmp.file('missing.db'), fileMustExist: true });
    t.like(await t.throwsAsync(missing.open('writer')), { code: 'SQLITE_CANTOPEN' });
    writeFileSync(tmp.file('text.db'), 'not a database, just long enough to have a header '.repeat(4));
    const text = nodeSqliteDriver({ filename: tmp.file('text.db') });
    const err = await t.throwsAsync(text.open('writer'));
    t.like(err, { code: 'SQLITE_NOTADB' });
    t.is(text.classify(err), 'fatal');
    tmp.cleanup();
  },
);
