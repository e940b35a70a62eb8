import test from 'ava';
import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { drizzle as drizzleBetterSqlite } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text, type BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { createPool } from '../../create-pool.js';
import { SLOW_START_MS, tempDir } from '../../test/helpers.js';
import { drizzle } from './drizzle.js';

/**
 * The same Drizzle calls answer alike through the pool (inline and on worker threads) and through
 * Drizzle's own better-sqlite3 driver: raw SQL gives row objects, built queries their mapped rows.
 */

const users = sqliteTable('users', { id: integer('id').primaryKey(), name: text('name').notNull() });
const pets = sqliteTable('pets', { id: integer('id').primaryKey(), ownerId: integer('owner_id') });
const SCHEMA = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER);
  INSERT INTO pets VALUES (7, 1);`;

/** Drizzle's better-sqlite3 database answers at once, the pool's later: the calls await both. */
type Db = BaseSQLiteDatabase<'sync' | 'async', unknown>;

/** The calls, in order; each answer is compared across drivers. */
async function calls(db: Db): Promise<unknown[]> {
  return [
    await db.get(db.insert(users).values({ name: 'ann' }).returning({ id: users.id, name: users.name })),
    await db.get(sql`insert into users (name) values (${'bob'}) returning id, name`),
    await db.all(sql`select id, name from users order by id`),
    await db.get(sql`select name from users where id = ${2}`),
    await db.get(sql`select name from users where id = ${99}`),
    await db.values(sql`select users.id, pets.id from users join pets on pets.owner_id = users.id`),
    await db.select().from(users).innerJoin(pets, eq(pets.ownerId, users.id)).all(),
    await db.select({ n: users.name }).from(users).orderBy(users.id).values(),
  ];
}

test('raw SQL and built queries answer as on better-sqlite3, inline and on worker threads', async (t) => {
  const files = tempDir('roas-drizzle-raw-');
  const own = new Database(files.file('own.db'));
  own.exec(SCHEMA);
  const expected = await calls(drizzleBetterSqlite(own));
  own.close();
  t.deepEqual(expected[0], { id: 1, name: 'ann' });
  t.deepEqual(expected[2], [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bob' },
  ]);
  for (const threads of [false, true]) {
    const pool = createPool({
      filename: files.file(`pool-${threads}.db`),
      threads,
      max: 2,
      acquireTimeoutMs: SLOW_START_MS,
    });
    await pool.write((db) => db.exec(SCHEMA));
    t.deepEqual(await calls(drizzle(pool)), expected, threads ? 'threads' : 'inline');
    await pool.close();
  }
  files.cleanup();
});

test('raw SQL answers the same inside db.batch() and db.transaction() as outside', async (t) => {
  const files = tempDir('roas-drizzle-raw-');
  const pool = createPool({ filename: files.file(), max: 2 });
  await pool.write((db) => db.exec(SCHEMA));
  const db = drizzle(pool);
  const query = sql`select id, owner_id from pets`;
  const outside = await db.all(query);
  t.deepEqual(outside, [{ id: 7, owner_id: 1 }]);
  const [inBatch, valuesInBatch] = await db.batch([db.all(query), db.values(query)]);
  t.deepEqual(inBatch, outside);
  t.deepEqual(valuesInBatch, [[7, 1]]);
  t.deepEqual(await db.transaction((tx) => tx.all(query)), outside);
  t.deepEqual(await db.transaction((tx) => tx.get(query)), outside[0]);
  await pool.close();
  files.cleanup();
});
