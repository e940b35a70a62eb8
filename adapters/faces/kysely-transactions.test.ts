import test from 'ava';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { Kysely, sql, type LogEvent } from 'kysely';
import { isPoolError } from '../../core/errors/errors.js';
import type { Pool } from '../../index.js';
import { botFixture, type BotFixture } from '../../test/bot-fixture.js';
import { RoasPoolDialect } from './kysely.js';
import { SLOW_START_MS } from '../../test/helpers.js';

/**
 * Leases granted and not yet given back. Exact, unlike `stats().leased`, which also counts a
 * reader the pool is still opening (slow for a worker thread on a busy machine).
 */
function outstanding(pool: Pool): number {
  const { acquired, released } = pool.stats();
  return acquired - released;
}

interface BotTables {
  xp: { user_id: string; points: number; level: number };
}

const HERE = fileURLToPath(import.meta.url);

async function logged(threads: boolean, options: { busyTimeoutMs?: number } = {}) {
  // Worker threads load the TypeScript sources as they start: on a busy machine that is slow.
  const fixture: BotFixture = await botFixture({
    threads,
    max: 3,
    acquireTimeoutMs: SLOW_START_MS,
    ...options,
  });
  const events: LogEvent[] = [];
  const db = new Kysely<BotTables>({
    dialect: new RoasPoolDialect({ pool: fixture.pool }),
    log: (event) => void events.push(event),
  });
  const queries = () => events.map((e) => `${e.level}: ${e.query.sql}`);
  return { ...fixture, db, events, queries };
}

for (const threads of [false, true]) {
  const mode = threads ? 'threads' : 'inline';

  test(`transactions and savepoints go through executeQuery, logged and timed (${mode})`, async (t) => {
    const { db, events, queries, cleanup } = await logged(threads);
    await db
      .transaction()
      .execute((trx) => trx.insertInto('xp').values({ user_id: 'ann', points: 1, level: 1 }).execute());
    const trx = await db.startTransaction().execute();
    const sp = await trx.savepoint('bonus').execute();
    await sp.updateTable('xp').set({ points: 100 }).execute();
    await (await sp.rollbackToSavepoint('bonus').execute()).releaseSavepoint('bonus').execute();
    await trx.commit().execute();
    await db
      .transaction()
      .setAccessMode('read only')
      .execute((r) => r.selectFrom('xp').selectAll().execute());
    const rollback = await db.startTransaction().execute();
    await rollback.rollback().execute();
    t.deepEqual(queries(), [
      'query: begin immediate',
      'query: insert into "xp" ("user_id", "points", "level") values (?, ?, ?)',
      'query: commit',
      'query: begin immediate',
      'query: savepoint "bonus"',
      'query: update "xp" set "points" = ?',
      'query: rollback to "bonus"',
      'query: release "bonus"',
      'query: commit',
      'query: begin',
      'query: select * from "xp"',
      'query: commit',
      'query: begin immediate',
      'query: rollback',
    ]);
    t.true(events.every((e) => typeof e.queryDurationMillis === 'number' && e.queryDurationMillis >= 0));
    t.deepEqual(await db.selectFrom('xp').select('points').execute(), [{ points: 1 }]);
    await cleanup();
  });

  test(`a BEGIN that cannot get the write lock fails with a typed SQLITE_BUSY, logged as an error (${mode})`, async (t) => {
    const { db, filename, queries, pool, cleanup } = await logged(threads, { busyTimeoutMs: 50 });
    // Another connection to the file (as another process would) holds the write lock.
    const other = new Database(filename);
    other.exec('BEGIN IMMEDIATE');
    const err = await t.throwsAsync(db.transaction().execute(async () => 'never'));
    t.true(isPoolError(err, 'SQLITE_BUSY'), String(err));
    t.deepEqual(queries(), ['error: begin immediate']);
    other.exec('ROLLBACK');
    other.close();
    t.is(outstanding(pool), 0);
    await db
      .transaction()
      .execute((trx) => trx.insertInto('xp').values({ user_id: 'ann', points: 1, level: 1 }).execute());
    await cleanup();
  });

  test(`db.connection() runs every statement on one lease (${mode})`, async (t) => {
    const { db, pool, cleanup } = await logged(threads);
    let pinned = 0;
    const rows = await db.connection().execute(async (conn) => {
      // A temp table lives in one connection: it is seen only if every statement runs there.
      await sql`CREATE TEMP TABLE scratch (n INTEGER)`.execute(conn);
      pinned = pool.stats().acquired;
      await sql`INSERT INTO scratch VALUES (1), (2)`.execute(conn);
      await conn.selectFrom('xp').selectAll().execute();
      t.is(outstanding(pool), 1);
      return (await sql<{ n: number }>`SELECT n FROM scratch ORDER BY n`.execute(conn)).rows;
    });
    t.deepEqual(rows, [{ n: 1 }, { n: 2 }]);
    t.is(pool.stats().acquired, pinned, 'no statement after the first took another lease');
    t.is(outstanding(pool), 0);
    await cleanup();
  });

  test(`raw SQL is classified by SQLite, not by its text (${mode})`, async (t) => {
    const { db, pool, cleanup } = await logged(threads);
    await db.insertInto('xp').values({ user_id: 'ann', points: 1, level: 1 }).execute();
    // Each text names the mode: a shape remembered from the other mode's pool must not answer.
    const raw = <R>(text: string) => sql<R>`${sql.raw(`${text} /* ${mode} */`)}`.execute(db);
    const commented = await raw<{ n: number }>('/* leaderboard */ SELECT count(*) AS n FROM xp');
    t.deepEqual(commented.rows, [{ n: 1 }]);
    const pragma = await raw<{ user_version: number }>('PRAGMA user_version');
    t.deepEqual(pragma.rows, [{ user_version: 0 }]);
    const setPragma = await raw('PRAGMA user_version = 3');
    t.deepEqual(setPragma.rows, []);
    t.deepEqual((await raw('PRAGMA user_version')).rows, [{ user_version: 3 }]);
    const literal = await raw("UPDATE xp SET level = 2 WHERE user_id <> 'returning'");
    t.is(literal.numAffectedRows, 1n);
    t.deepEqual(literal.rows, []);
    const cte = await raw<{ user_id: string }>(
      "WITH n AS (SELECT 'bob' AS u) INSERT INTO xp (user_id) SELECT u FROM n RETURNING user_id",
    );
    t.deepEqual(cte.rows, [{ user_id: 'bob' }]);
    const plan = await db.insertInto('xp').values({ user_id: 'cy', points: 1, level: 1 }).explain();
    t.true(plan.length > 0);
    t.is((await db.selectFrom('xp').select('user_id').where('user_id', '=', 'cy').execute()).length, 0);
    t.is(outstanding(pool), 0);
    await cleanup();
  });

  test(`a failed query's error keeps its class and code and ends with the caller's frames (${mode})`, async (t) => {
    const { db, cleanup } = await logged(threads);
    let err: unknown;
    try {
      // Awaited here, as a bot would: the async frames lead back to this function.
      await sql`SELECT doesnt_exist FROM xp`.execute(db);
    } catch (caught) {
      err = caught;
    }
    t.true(err instanceof Database.SqliteError);
    t.is((err as { code?: string }).code, 'SQLITE_ERROR');
    const lines = (err as Error).stack?.split('\n') ?? [];
    t.true(lines.at(-1)?.includes(HERE), lines.join('\n'));
    await cleanup();
  });
}
