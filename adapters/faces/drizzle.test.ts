import test from 'ava';
import { desc, eq, relations, sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { isPoolError } from '../../core/errors/errors.js';
import { botFixture, settlesWithin } from '../../test/bot-fixture.js';
import { drizzle } from './drizzle.js';

const xp = sqliteTable('xp', {
  userId: text('user_id').primaryKey(),
  points: integer('points').notNull().default(0),
  level: integer('level').notNull().default(1),
});
const profiles = sqliteTable('profiles', {
  userId: text('user_id').primaryKey(),
  name: text('name').notNull(),
  bio: text('bio'),
});
const xpLog = sqliteTable('xp_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: text('user_id').notNull(),
  delta: integer('delta').notNull(),
});
const profileRelations = relations(profiles, ({ one }) => ({
  xp: one(xp, { fields: [profiles.userId], references: [xp.userId] }),
}));
const schema = { xp, profiles, xpLog, profileRelations };

async function fixture() {
  const bot = await botFixture();
  return { ...bot, db: drizzle(bot.pool, { schema }) };
}

/** Drizzle wraps a failed statement's error in DrizzleQueryError; the pool's own is its cause. */
function causeIs(err: unknown, code: Parameters<typeof isPoolError>[1]): boolean {
  return isPoolError((err as { cause?: unknown } | undefined)?.cause, code);
}

type Db = Awaited<ReturnType<typeof fixture>>['db'];

/** The bot's XP award: upsert the points and return the new total. */
async function awardXp(db: Pick<Db, 'insert'>, user: string, delta: number): Promise<number> {
  const [row] = await db
    .insert(xp)
    .values({ userId: user, points: delta })
    .onConflictDoUpdate({ target: xp.userId, set: { points: sql`${xp.points} + ${delta}` } })
    .returning({ points: xp.points });
  return row?.points ?? NaN;
}

test('runs the bot queries: XP award, leaderboard, profile', async (t) => {
  const { db, pool, cleanup } = await fixture();
  await db.insert(profiles).values([
    { userId: 'ann', name: 'Ann' },
    { userId: 'bob', name: 'Bob', bio: 'hi' },
  ]);
  t.is(await awardXp(db, 'ann', 10), 10);
  t.is(await awardXp(db, 'ann', 5), 15);
  await awardXp(db, 'bob', 30);
  const board = await db.select({ user: xp.userId, points: xp.points }).from(xp).orderBy(desc(xp.points));
  t.deepEqual(board, [
    { user: 'bob', points: 30 },
    { user: 'ann', points: 15 },
  ]);
  // Both tables have user_id: array rows keep the two columns apart.
  const joined = await db
    .select()
    .from(profiles)
    .innerJoin(xp, eq(xp.userId, profiles.userId))
    .where(eq(profiles.userId, 'ann'))
    .get();
  t.deepEqual(joined, {
    profiles: { userId: 'ann', name: 'Ann', bio: null },
    xp: { userId: 'ann', points: 15, level: 1 },
  });
  const profile = await db.query.profiles.findFirst({
    where: eq(profiles.userId, 'bob'),
    with: { xp: true },
  });
  t.deepEqual(profile, {
    userId: 'bob',
    name: 'Bob',
    bio: 'hi',
    xp: { userId: 'bob', points: 30, level: 1 },
  });
  t.deepEqual(await db.select({ p: xp.points }).from(xp).where(eq(xp.userId, 'nobody')).get(), undefined);
  t.deepEqual(await db.select({ p: xp.points }).from(xp).orderBy(xp.points).values(), [[15], [30]]);
  t.deepEqual(await db.all(sql`SELECT user_id, points FROM xp ORDER BY points`), [
    { user_id: 'ann', points: 15 },
    { user_id: 'bob', points: 30 },
  ]);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('run() reports the changes of a write', async (t) => {
  const { db, cleanup } = await fixture();
  await awardXp(db, 'ann', 1);
  await awardXp(db, 'bob', 1);
  const result = (await db.update(xp).set({ level: 2 }).run()) as { changes?: number };
  t.is(result.changes, 2);
  await cleanup();
});

test('50 concurrent transactions that await between statements lose nothing', async (t) => {
  const { db, pool, cleanup } = await fixture();
  await awardXp(db, 'ann', 0);
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () =>
      db.transaction(async (tx) => {
        const row = await tx.select({ points: xp.points }).from(xp).where(eq(xp.userId, 'ann')).get();
        await new Promise((resolve) => setImmediate(resolve));
        await tx
          .update(xp)
          .set({ points: (row?.points ?? 0) + 1 })
          .where(eq(xp.userId, 'ann'));
        await new Promise((resolve) => setImmediate(resolve));
        await tx.insert(xpLog).values({ userId: 'ann', delta: 1 });
      }),
    ),
  );
  t.deepEqual(
    results.filter((r) => r.status === 'rejected'),
    [],
  );
  t.is((await db.select({ points: xp.points }).from(xp).get())?.points, 50);
  t.deepEqual(await db.select({ n: sql<number>`count(*)` }).from(xpLog), [{ n: 50 }]);
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('reads go on while a transaction is open', async (t) => {
  const { db, cleanup } = await fixture();
  await awardXp(db, 'ann', 7);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let inside!: () => void;
  const entered = new Promise<void>((resolve) => (inside = resolve));
  const done = db.transaction(async (tx) => {
    await tx.update(xp).set({ points: 999 });
    inside();
    await gate;
  });
  await entered;
  const read = db.select({ points: xp.points }).from(xp);
  t.true(await settlesWithin(read, 50));
  t.deepEqual(await read, [{ points: 7 }]);
  open();
  await done;
  t.deepEqual(await db.select({ points: xp.points }).from(xp), [{ points: 999 }]);
  await cleanup();
});

test('rollback, nested savepoints and a kept tx stay on the transaction lease', async (t) => {
  const { db, pool, cleanup } = await fixture();
  let kept: Parameters<Parameters<Db['transaction']>[0]>[0] | undefined;
  await db.transaction(async (tx) => {
    kept = tx;
    await awardXp(tx, 'ann', 10);
    await t.throwsAsync(
      tx.transaction(async (inner) => {
        await awardXp(inner, 'ann', 100);
        throw new Error('undo the bonus');
      }),
    );
  });
  t.is((await db.select().from(xp).get())?.points, 10);
  await t.throwsAsync(db.transaction(async (tx) => (await awardXp(tx, 'bob', 1), tx.rollback())));
  t.is((await db.select().from(xp)).length, 1);
  // A tx used after its transaction ended must not run on some other connection.
  const late = await t.throwsAsync(kept!.select().from(xp));
  t.true(causeIs(late, 'LEASE_RELEASED'));
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('BEGIN sent as raw SQL is rejected with UNPINNED_TRANSACTION', async (t) => {
  const { db, pool, cleanup } = await fixture();
  t.true(causeIs(await t.throwsAsync(db.run(sql`BEGIN`)), 'UNPINNED_TRANSACTION'));
  t.true(causeIs(await t.throwsAsync(db.run(sql`  commit`)), 'UNPINNED_TRANSACTION'));
  t.is(pool.stats().leased, 0);
  await cleanup();
});

test('a batch is all or nothing', async (t) => {
  const { db, cleanup } = await fixture();
  const [, rows] = await db.batch([db.insert(xp).values({ userId: 'ann', points: 1 }), db.select().from(xp)]);
  t.deepEqual(rows, [{ userId: 'ann', points: 1, level: 1 }]);
  await t.throwsAsync(
    db.batch([
      db.insert(xp).values({ userId: 'bob', points: 1 }),
      db.insert(xp).values({ userId: 'ann', points: 2 }),
    ]),
    // better-sqlite3's SqliteError is not a native Error subclass.
    { any: true, code: 'SQLITE_CONSTRAINT_PRIMARYKEY' },
  );
  t.deepEqual(await db.select({ user: xp.userId }).from(xp), [{ user: 'ann' }]);
  await cleanup();
});
