import test from 'ava';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated } from 'kysely';
import { isPoolError } from '../../core/errors/errors.js';
import { botFixture, settlesWithin, type BotFixture } from '../../test/bot-fixture.js';
import { RoasPoolDialect } from './kysely.js';

interface BotTables {
  xp: { user_id: string; points: number; level: number };
  profiles: { user_id: string; name: string; bio: string | null };
  xp_log: { id: Generated<number>; user_id: string; delta: number };
}

async function kysely(): Promise<BotFixture & { db: Kysely<BotTables> }> {
  const fixture = await botFixture();
  return { ...fixture, db: new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool: fixture.pool }) }) };
}

/** The bot's XP award: upsert the points, log the delta, return the new total. */
function awardXp(db: Kysely<BotTables>, user: string, delta: number) {
  return db
    .insertInto('xp')
    .values({ user_id: user, points: delta, level: 1 })
    .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ points: eb('xp.points', '+', delta) })))
    .returning('points')
    .executeTakeFirstOrThrow();
}

test('runs the bot queries: XP award, leaderboard, profile', async (t) => {
  const { db, pool, cleanup } = await kysely();
  const insert = await db.insertInto('profiles').values({ user_id: 'ann', name: 'Ann', bio: null }).execute();
  t.is(insert[0]?.numInsertedOrUpdatedRows, 1n);
  t.is((await awardXp(db, 'ann', 10)).points, 10);
  t.is((await awardXp(db, 'ann', 5)).points, 15);
  await awardXp(db, 'bob', 30);
  await awardXp(db, 'cy', 1);
  const board = await db
    .selectFrom('xp')
    .select(['user_id', 'points'])
    .orderBy('points', 'desc')
    .limit(2)
    .execute();
  t.deepEqual(board, [
    { user_id: 'bob', points: 30 },
    { user_id: 'ann', points: 15 },
  ]);
  const profile = await db
    .selectFrom('profiles')
    .innerJoin('xp', 'xp.user_id', 'profiles.user_id')
    .select(['profiles.name', 'xp.points'])
    .where('profiles.user_id', '=', 'ann')
    .executeTakeFirst();
  t.deepEqual(profile, { name: 'Ann', points: 15 });
  const update = await db.updateTable('xp').set({ level: 2 }).where('points', '>', 10).executeTakeFirst();
  t.is(update.numUpdatedRows, 2n);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('raw SQL picks its lane and result shape from the statement', async (t) => {
  const { db, pool, cleanup } = await kysely();
  const inserted = await sql`INSERT INTO xp (user_id, points) VALUES (${'ann'}, ${3})`.execute(db);
  t.is(inserted.numAffectedRows, 1n);
  t.is(inserted.insertId, 1n);
  const returned = await sql<{ points: number }>`UPDATE xp SET points = points + 1 RETURNING points`.execute(
    db,
  );
  t.deepEqual(returned.rows, [{ points: 4 }]);
  // Hold the write lane: a raw SELECT that went to it would never settle.
  const writer = await pool.acquire({ mode: 'write' });
  const read = sql<{ n: number }>`SELECT count(*) AS n FROM xp`.execute(db);
  t.true(await settlesWithin(read, 50));
  t.deepEqual((await read).rows, [{ n: 1 }]);
  writer.release();
  await cleanup();
});

test('transaction statements outside a transaction are rejected with UNPINNED_TRANSACTION', async (t) => {
  const { db, pool, cleanup } = await kysely();
  const err = await t.throwsAsync(sql`BEGIN IMMEDIATE`.execute(db));
  t.true(isPoolError(err, 'UNPINNED_TRANSACTION'));
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('a transaction that throws rolls back and returns its lease', async (t) => {
  const { db, pool, cleanup } = await kysely();
  await t.throwsAsync(
    db.transaction().execute(async (trx) => {
      await awardXp(trx, 'ann', 10);
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  t.is(await db.selectFrom('xp').selectAll().executeTakeFirst(), undefined);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('50 concurrent transactions that await between statements lose nothing', async (t) => {
  const { db, pool, cleanup } = await kysely();
  await awardXp(db, 'ann', 0);
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('xp')
          .select('points')
          .where('user_id', '=', 'ann')
          .executeTakeFirstOrThrow();
        await new Promise((resolve) => setImmediate(resolve));
        await trx
          .updateTable('xp')
          .set({ points: row.points + 1 })
          .where('user_id', '=', 'ann')
          .execute();
        await new Promise((resolve) => setImmediate(resolve));
        await trx.insertInto('xp_log').values({ user_id: 'ann', delta: 1 }).execute();
      }),
    ),
  );
  t.deepEqual(
    results.filter((r) => r.status === 'rejected'),
    [],
  );
  const row = await db.selectFrom('xp').select('points').where('user_id', '=', 'ann').executeTakeFirst();
  t.is(row?.points, 50);
  const log = await db
    .selectFrom('xp_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  t.is(log?.n, 50);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

/** Opens a transaction that writes, then waits on a gate; resolves once it is inside. */
async function openTransaction(db: Kysely<BotTables>) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let inside!: () => void;
  const entered = new Promise<void>((resolve) => (inside = resolve));
  const done = db.transaction().execute(async (trx) => {
    await trx.updateTable('xp').set({ points: 999 }).execute();
    inside();
    await gate;
  });
  await entered;
  return { open, done };
}

test('reads go on while a transaction is open, and see the last committed state', async (t) => {
  const { db, cleanup } = await kysely();
  await awardXp(db, 'ann', 7);
  const tx = await openTransaction(db);
  const read = db.selectFrom('xp').select('points').executeTakeFirst();
  const readOnlyTx = db
    .transaction()
    .setAccessMode('read only')
    .execute((trx) => trx.selectFrom('xp').select('points').executeTakeFirst());
  t.true(await settlesWithin(read, 50), 'the read did not wait for the transaction');
  t.true(await settlesWithin(readOnlyTx, 50), 'the read-only transaction did not wait either');
  t.deepEqual(await read, { points: 7 });
  t.deepEqual(await readOnlyTx, { points: 7 });
  tx.open();
  await tx.done;
  t.deepEqual(await db.selectFrom('xp').select('points').executeTakeFirst(), { points: 999 });
  await cleanup();
});

test("with Kysely's own SqliteDialect the same read waits for the transaction", async (t) => {
  // The contrast that makes the test above meaningful: one connection behind a mutex.
  const { filename, cleanup } = await botFixture();
  const db = new Kysely<BotTables>({ dialect: new SqliteDialect({ database: new Database(filename) }) });
  await awardXp(db, 'ann', 7);
  const tx = await openTransaction(db);
  const read = db.selectFrom('xp').select('points').executeTakeFirst();
  t.false(await settlesWithin(read, 50));
  tx.open();
  await tx.done;
  t.deepEqual(await read, { points: 999 });
  await db.destroy();
  await cleanup();
});

test('controlled transactions roll back to a savepoint', async (t) => {
  const { db, pool, cleanup } = await kysely();
  const trx = await db.startTransaction().execute();
  await awardXp(trx, 'ann', 10);
  const sp = await trx.savepoint('bonus').execute();
  await awardXp(sp, 'ann', 100);
  const back = await sp.rollbackToSavepoint('bonus').execute();
  await back.releaseSavepoint('bonus').execute();
  await trx.commit().execute();
  t.deepEqual(await db.selectFrom('xp').select('points').executeTakeFirst(), { points: 10 });
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('destroy() leaves the pool open unless closePoolOnDestroy is set', async (t) => {
  const { pool, cleanup } = await botFixture();
  const kept = new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool }) });
  await kept.selectFrom('xp').selectAll().execute();
  await kept.destroy();
  t.is(pool.stats().state, 'open');
  const owning = new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool, closePoolOnDestroy: true }) });
  await owning.selectFrom('xp').selectAll().execute();
  await owning.destroy();
  t.is(pool.stats().state, 'closed');
  await cleanup();
});

test('the schema builder and introspection work through the dialect', async (t) => {
  const { db, cleanup } = await kysely();
  await db.schema
    .createTable('badges')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .execute();
  const tables = await db.introspection.getTables();
  t.deepEqual(tables.map((table) => table.name).sort(), ['badges', 'profiles', 'xp', 'xp_log']);
  await cleanup();
});

test('raw SQL that does not prepare raises its SQLite error and returns the lease', async (t) => {
  const { db, pool, cleanup } = await kysely();
  const err = await t.throwsAsync(sql`SELEC points FROM xp`.execute(db), { any: true });
  t.is((err as { code?: string }).code, 'SQLITE_ERROR');
  t.is(pool.stats().leased, 0);
  await cleanup();
});
