import test from 'ava';
import { nocaseColumns } from './nocase-columns.js';
import { runMigrate } from './migrate.js';
import { nocaseOption } from './nocase-option.js';

test('finds the columns declared COLLATE NOCASE, however they are quoted', (t) => {
  const sql = `CREATE TABLE "odd ""t""" (
    id INTEGER PRIMARY KEY,
    name TEXT COLLATE NOCASE UNIQUE,
    "Full Name" TEXT NOT NULL COLLATE nocase,
    \`nick\` TEXT COLLATE "NOCASE",
    [tag] VARCHAR(20) COLLATE NOCASE CHECK (tag <> 'a,b'),
    plain TEXT CHECK (plain COLLATE NOCASE IN ('x', (lower('y')))),
    note TEXT DEFAULT 'COLLATE NOCASE',
    UNIQUE (name COLLATE NOCASE)
  )`;
  t.deepEqual([...nocaseColumns(sql)].sort(), ['full name', 'name', 'nick', 'tag']);
});

test('migrate --nocase takes citext or lower, and names both otherwise', async (t) => {
  const code = await runMigrate(
    ['--from', 'bot.db', '--to', 'postgres://bot@localhost/bot', '--nocase', 'upper'],
    () => undefined,
  );
  t.is(code, 2);
  t.throws(() => nocaseOption('upper', 'migrate'), {
    message: /--nocase takes citext or lower, got 'upper'/,
  });
  t.is(nocaseOption('lower', 'migrate'), 'lower');
});
