import test from 'ava';
import type Database from 'better-sqlite3';
import type { DriverConnection } from '../../../core/driver.js';
import { tempDir } from '../../../test/helpers.js';
import { sqliteDriver } from './sqlite.js';

// The statement cache keeps the statements in use: a bot with more distinct statements than the
// cache holds must not evict its hottest one (a first-in-first-out cache did, every `size` new
// statements). Worker threads run this same connection class, so this covers them too.

type Connection = DriverConnection & { raw: Database.Database; sync: NonNullable<DriverConnection['sync']> };

test('a full statement cache evicts a statement not used lately, never the hot one', async (t) => {
  const tmp = tempDir();
  const driver = sqliteDriver({ filename: tmp.file(), statementCacheSize: 4 });
  const conn = (await driver.open('writer')) as Connection;
  const prepared = new Map<string, number>();
  const prepare = conn.raw.prepare.bind(conn.raw);
  conn.raw.prepare = (sql: string) => {
    prepared.set(sql, (prepared.get(sql) ?? 0) + 1);
    return prepare(sql);
  };
  const hot = 'SELECT 0 AS v';
  for (let i = 1; i <= 20; i++) {
    t.deepEqual(conn.sync.get(hot), { v: 0 });
    t.deepEqual(conn.sync.get(`SELECT ${i} AS v`), { v: i });
  }
  t.is(prepared.get(hot), 1, 'the hot statement was prepared once');
  // A statement used again while it is cached is not prepared again either.
  conn.sync.get('SELECT 20 AS v');
  t.is(prepared.get('SELECT 20 AS v'), 1);
  await conn.close();
  await driver.dispose?.();
  tmp.cleanup();
});
