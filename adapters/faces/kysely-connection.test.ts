import test from 'ava';
import { Kysely, sql } from 'kysely';
import { createPool } from '../../create-pool.js';
import type { Driver } from '../../core/driver.js';
import { sqliteDriver } from '../drivers/sqlite/sqlite.js';
import { botFixture, type BotFixture } from '../../test/bot-fixture.js';
import { RoasPoolDialect } from './kysely.js';

interface BotTables {
  xp: { user_id: string; points: number; level: number };
}

async function seeded(rows: number): Promise<BotFixture & { db: Kysely<BotTables> }> {
  const fixture = await botFixture();
  await fixture.pool.transaction(async (tx) => {
    for (let i = 0; i < rows; i++)
      await tx.run('INSERT INTO xp (user_id, points) VALUES (?, ?)', [`u${i}`, i]);
  });
  return { ...fixture, db: new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool: fixture.pool }) }) };
}

test('stream() yields every row in order', async (t) => {
  const { db, pool, cleanup } = await seeded(250);
  const points: number[] = [];
  for await (const row of db.selectFrom('xp').select('points').orderBy('points').stream(64))
    points.push(row.points);
  t.deepEqual(
    points,
    Array.from({ length: 250 }, (_, i) => i),
  );
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('a stream holds a read lease while it runs and releases it when the consumer stops early', async (t) => {
  const { db, pool, cleanup } = await seeded(1000);
  let seen = 0;
  for await (const _row of db.selectFrom('xp').selectAll().stream(10)) {
    t.is(pool.stats().leasedRead, 1);
    if (++seen === 5) break;
  }
  t.is(seen, 5);
  t.is(pool.stats().leased, 0);
  // The connection went back clean: the next lease on it can write and read.
  await db.updateTable('xp').set({ level: 2 }).execute();
  t.is(
    (await db.selectFrom('xp').select('level').where('user_id', '=', 'u999').executeTakeFirst())?.level,
    2,
  );
  await cleanup();
});

test('a stream that throws in the consumer releases its lease', async (t) => {
  const { db, pool, cleanup } = await seeded(100);
  await t.throwsAsync(
    async () => {
      for await (const _row of db.selectFrom('xp').selectAll().stream(10)) throw new Error('consumer failed');
    },
    { message: 'consumer failed' },
  );
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('a stream inside a transaction reads its writes and keeps the transaction lease', async (t) => {
  const { db, pool, cleanup } = await seeded(20);
  const total = await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('xp').where('points', '>=', 10).execute();
    let sum = 0;
    for await (const row of trx.selectFrom('xp').select('points').stream(3)) {
      sum += row.points;
      if (row.points === 5) break;
    }
    t.is(pool.stats().leasedWrite, 1);
    await trx.insertInto('xp').values({ user_id: 'late', points: 100, level: 1 }).execute();
    return sum;
  });
  t.is(total, 0 + 1 + 2 + 3 + 4 + 5);
  const rows = await db.selectFrom('xp').select('user_id').execute();
  t.is(rows.length, 11);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('on a driver without cursors, a stream reads the rows, releases its lease, then yields chunks', async (t) => {
  // Stand-in for a third-party driver that offers no `iterate`: the real better-sqlite3 driver
  // with its cursors (and raw handle) hidden, which is all that the fallback path looks at.
  const { pool: seedPool, filename, cleanup } = await seeded(25);
  await seedPool.close();
  const inline = sqliteDriver({ filename });
  const driver: Driver = {
    ...inline,
    open: async (role) => {
      const conn = await inline.open(role);
      return new Proxy(conn, {
        get(target, key) {
          if (key === 'raw' || key === 'iterate') return undefined;
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    },
  };
  const pool = createPool({ driver });
  const db = new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool }) });
  const chunks: number[] = [];
  for await (const _row of db.selectFrom('xp').selectAll().stream(10)) chunks.push(pool.stats().leasedRead);
  t.is(chunks.length, 25);
  t.true(chunks.every((leased) => leased === 0));
  t.is(pool.stats().leased, 0);
  const raw = await sql<{ n: number }>`SELECT count(*) AS n FROM xp`.execute(db);
  t.deepEqual(raw.rows, [{ n: 25 }]);
  await pool.close();
  await cleanup();
});

test('stream() of a write with RETURNING runs it once on the write lane', async (t) => {
  const { db, pool, cleanup } = await seeded(0);
  const ids: string[] = [];
  const insert = db.insertInto('xp').values([
    { user_id: 'a', points: 1, level: 1 },
    { user_id: 'b', points: 2, level: 1 },
  ]);
  for await (const row of insert.returning('user_id').stream()) ids.push(row.user_id);
  t.deepEqual(ids, ['a', 'b']);
  t.is(pool.stats().acquired - pool.stats().released, 0);
  t.is((await db.selectFrom('xp').selectAll().execute()).length, 2);
  await cleanup();
});
