import test from 'ava';
import pg from 'pg';
import { createPool, type Pool, type PoolOptions } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { SQLITE_MODES, tempDir } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';

// Statements a holder sends without awaiting them (issue 29, item 1): a failed one must never let
// its transaction commit, and must not also end the process as an unhandled rejection (AVA fails
// a test file on one; the listener below names the test that caused it).
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

/** What `work` rejects with (better-sqlite3's errors fail AVA's own `throwsAsync` check). */
async function rejection(work: Promise<unknown>): Promise<Error | undefined> {
  return work.then(
    () => undefined,
    (err: unknown) => err as Error,
  );
}

type Setup = () => Promise<{ pool: Pool; done: () => Promise<void> }>;

function sqlite(threads: PoolOptions['threads']): Setup {
  return async () => {
    const tmp = tempDir();
    const pool = createPool({ filename: tmp.file(), threads });
    await pool.write((db) =>
      db.exec("CREATE TABLE u (name TEXT PRIMARY KEY, xp INT); INSERT INTO u VALUES ('ann', 0)"),
    );
    return {
      pool,
      async done() {
        await pool.close();
        tmp.cleanup();
      },
    };
  };
}

const xp = async (pool: Pool) =>
  (await pool.read((db) => db.get<{ xp: number }>("SELECT xp FROM u WHERE name = 'ann'")))?.xp;

function scenarios(mode: string, setup: Setup, statementAborts = false): void {
  test.serial(
    `${mode}: a transaction with a failed statement nobody awaited rolls back and rejects with it`,
    async (t) => {
      const { pool, done } = await setup();
      const before = unhandled.length;
      const err = await rejection(
        pool.transaction(async (tx) => {
          void tx.run("UPDATE u SET xp = xp + 10 WHERE name = 'ann'");
          void tx.run("INSERT INTO u VALUES ('ann', 0)");
        }),
      );
      t.regex(err?.message ?? '', /(UNIQUE|unique|duplicate)[^]*not awaited before COMMIT[^]*rolled back/);
      t.is(await xp(pool), 0, 'the UPDATE before the failure was committed');
      await new Promise((resolve) => setImmediate(resolve));
      t.is(unhandled.length, before, `unhandled: ${String(unhandled.at(-1))}`);
      await done();
    },
  );

  // An exec runs in this thread on the inline drivers, with no promise of the connection's: its
  // failure must still be on record for COMMIT.
  test.serial(
    `${mode}: a transaction whose exec failed and nobody awaited rolls back and rejects with it`,
    async (t) => {
      const { pool, done } = await setup();
      const before = unhandled.length;
      const err = await rejection(
        pool.transaction(async (tx) => {
          await tx.run("UPDATE u SET xp = xp + 10 WHERE name = 'ann'");
          void tx.exec("INSERT INTO u VALUES ('ann', 0)");
        }),
      );
      t.regex(err?.message ?? '', /(UNIQUE|unique|duplicate)[^]*not awaited before COMMIT[^]*rolled back/);
      t.is(await xp(pool), 0, 'the UPDATE before the failure was committed');
      await new Promise((resolve) => setImmediate(resolve));
      t.is(unhandled.length, before, `unhandled: ${String(unhandled.at(-1))}`);
      await done();
    },
  );

  // On PostgreSQL any failed statement aborts the transaction, a caught one too: nothing commits.
  if (statementAborts) return;

  // Statements answered at once are not kept for COMMIT; a failure before them still is.
  test.serial(
    `${mode}: a failure nobody awaited still rolls back when statements after it succeeded`,
    async (t) => {
      const { pool, done } = await setup();
      const err = await rejection(
        pool.transaction(async (tx) => {
          void tx.run("INSERT INTO u VALUES ('ann', 0)");
          await tx.run("UPDATE u SET xp = xp + 10 WHERE name = 'ann'");
          await tx.exec("UPDATE u SET xp = xp + 1 WHERE name = 'ann'");
        }),
      );
      t.regex(err?.message ?? '', /UNIQUE[^]*not awaited before COMMIT[^]*rolled back/);
      t.is(await xp(pool), 0);
      await done();
    },
  );
  test.serial(
    `${mode}: a failure the callback awaited and caught leaves the transaction to commit`,
    async (t) => {
      const { pool, done } = await setup();
      await pool.transaction(async (tx) => {
        await tx.run("UPDATE u SET xp = xp + 10 WHERE name = 'ann'");
        await tx.run("INSERT INTO u VALUES ('ann', 0)").catch(() => undefined);
      });
      t.is(await xp(pool), 10);
      await done();
    },
  );
}

for (const [mode, threads] of SQLITE_MODES) {
  scenarios(mode, sqlite(threads));

  test.serial(
    `${mode}: a pool.write() callback rejects with a failed statement nobody awaited`,
    async (t) => {
      const { pool, done } = await sqlite(threads)();
      const before = unhandled.length;
      const err = await rejection(
        pool.write(async (db) => {
          void db.run("INSERT INTO u VALUES ('ann', 0)");
        }),
      );
      t.regex(err?.message ?? '', /UNIQUE[^]*not awaited in the pool\.write\(\) callback/);
      await new Promise((resolve) => setImmediate(resolve));
      t.is(unhandled.length, before, `unhandled: ${String(unhandled.at(-1))}`);
      await done();
    },
  );

  test.serial(
    `${mode}: COMMIT on a lease from acquire() refuses to commit past a failure nobody awaited`,
    async (t) => {
      const { pool, done } = await sqlite(threads)();
      const before = unhandled.length;
      const lease = await pool.acquire({ mode: 'write' });
      await lease.exec('BEGIN IMMEDIATE');
      void lease.run("UPDATE u SET xp = xp + 10 WHERE name = 'ann'");
      void lease.run("INSERT INTO u VALUES ('ann', 0)");
      const err = await rejection(lease.exec('COMMIT'));
      t.regex(err?.message ?? '', /UNIQUE[^]*not awaited before COMMIT/);
      t.false(lease.inTransaction);
      lease.release();
      t.is(await xp(pool), 0);
      t.is(unhandled.length, before, `unhandled: ${String(unhandled.at(-1))}`);
      await done();
    },
  );
}

let made = 0;
withPostgres((server) => {
  scenarios(
    'postgres',
    async () => {
      const name = `unawaited_${++made}`;
      const admin = new pg.Client({ connectionString: server().url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
      const url = new URL(server().url);
      url.pathname = `/${name}`;
      const pool = createPool({ driver: postgresDriver({ connectionString: url.toString() }), max: 2 });
      await pool.write((db) =>
        db.exec("CREATE TABLE u (name text PRIMARY KEY, xp int); INSERT INTO u VALUES ('ann', 0)"),
      );
      return { pool, done: () => pool.close() };
    },
    true,
  );
});
