import test from 'ava';
import pg from 'pg';
import { postgresUnavailable, startPostgres, type TestDatabase } from '../test/pg-server.js';
import { tempDir } from '../test/helpers.js';
import Database from 'better-sqlite3';
import { POSTGRES_STATS_TABLE_SQL } from '../adapters/faces/pg-stats-table.js';
import { freePort } from '../scripts/pg-server.js';
import { capture } from '../test/capture.js';
import { migrate, runMigrate } from './migrate.js';
import { runStats } from './stats.js';
import { createSampleBotDb, SNOWFLAKE } from '../test/fixtures/sample-bot-db.js';

const unavailable = postgresUnavailable();

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

if (unavailable) {
  console.log(unavailable);
  test.skip(unavailable, () => undefined);
} else {
  let db: TestDatabase;
  test.before(async () => {
    db = await startPostgres();
  });
  test.after.always(() => db?.stop());

  test.serial('copies a bot database and verifies every row count', async (t) => {
    const tmp = tempDir();
    const expected = createSampleBotDb(tmp.file());
    const seen: string[] = [];
    const result = await migrate({
      from: tmp.file(),
      to: db.url,
      batchSize: 64,
      onTable: (x) => seen.push(x.name),
    });
    t.deepEqual(seen, ['users', 'xp', 'messages']);
    t.deepEqual(result.tables, [
      { name: 'users', sqliteRows: expected.users, postgresRows: expected.users },
      { name: 'xp', sqliteRows: expected.xp, postgresRows: expected.xp },
      { name: 'messages', sqliteRows: expected.messages, postgresRows: expected.messages },
    ]);
    t.deepEqual([result.indexes, result.foreignKeys, result.notValid], [1, 2, []]);
    tmp.cleanup();
  });

  test.serial('keeps 64-bit ids, blobs and text exact', async (t) => {
    const [user] = await query<{ d: string }>(db.url, 'SELECT discord_id::text AS d FROM users WHERE id = 1');
    t.is(user?.d, SNOWFLAKE.toString());
    const [msg] = await query<{ attachment: Buffer; content: string; sent_at: string }>(
      db.url,
      'SELECT attachment, content, sent_at FROM messages WHERE id = 4',
    );
    t.deepEqual(msg?.attachment, Buffer.from([3, 0, 255, 0]));
    t.is(msg?.content, "hello 3 it's me");
    t.is(Number(msg?.sent_at), 1_700_000_003);
    const [nulls] = await query<{ n: string }>(
      db.url,
      'SELECT count(*) AS n FROM messages WHERE attachment IS NULL',
    );
    t.is(Number(nulls?.n), 666);
  });

  test.serial(
    'continues identities past deleted AUTOINCREMENT ids, with UTC timestamp defaults',
    async (t) => {
      const [row] = await query<{ id: string; created_at: Date }>(
        db.url,
        "INSERT INTO users (discord_id, name) VALUES (5, 'new') RETURNING id, created_at",
      );
      t.is(Number(row?.id), 102, 'id 101 was used and deleted in SQLite; AUTOINCREMENT never reuses it');
      t.true(row?.created_at instanceof Date);
    },
  );

  test.serial('creates the index and enforces the foreign keys', async (t) => {
    const indexes = await query<{ indexname: string }>(
      db.url,
      "SELECT indexname FROM pg_indexes WHERE tablename = 'messages'",
    );
    t.true(indexes.some((i) => i.indexname === 'idx_messages_user_time'));
    const err = await t.throwsAsync(query(db.url, 'INSERT INTO messages (user_id, sent_at) VALUES (999, 1)'));
    t.is((err as { code?: string }).code, '23503');
  });

  test.serial(
    'refuses existing tables before writing anything, and replaces them with --drop-existing',
    async (t) => {
      const tmp = tempDir();
      createSampleBotDb(tmp.file());
      let printed = '';
      const refused = await capture(() =>
        runMigrate(['--from', tmp.file(), '--to', db.url], (s) => (printed += s)),
      );
      t.is(refused.code, 2);
      t.is(
        refused.err,
        'roas-pool migrate: TARGET_NOT_EMPTY: the target already has table(s) messages, users, xp; nothing was written. Fix: migrate into an empty database, or pass --drop-existing to replace those tables (in the same transaction).\n',
      );
      t.is(printed, '');
      const replaced = await capture(() =>
        runMigrate(['--from', tmp.file(), '--to', db.url, '--drop-existing'], (s) => (printed += s)),
      );
      t.is(replaced.code, 0, replaced.err);
      t.regex(printed, /messages: 1000 row\(s\) copied/);
      t.regex(printed, /committed and verified 3 table\(s\), 1 index\(es\), 2 foreign key\(s\)/);
      tmp.cleanup();
    },
  );

  test.serial('a migration that fails half-way leaves the target as it was (one transaction)', async (t) => {
    const name = `roas_fail_${process.pid}`;
    await query(db.url, `CREATE DATABASE ${name}`);
    const url = new URL(db.url);
    url.pathname = `/${name}`;
    const tmp = tempDir();
    try {
      createSampleBotDb(tmp.file());
      // A column declared INTEGER that holds text: the copy of the last table fails after
      // users, xp and messages were created and filled.
      const bad = new Database(tmp.file());
      bad.exec("CREATE TABLE zz_late (n INTEGER); INSERT INTO zz_late VALUES (1), ('not a number')");
      bad.close();
      const run = await capture(() =>
        runMigrate(['--from', tmp.file(), '--to', url.toString()], () => undefined),
      );
      t.is(run.code, 1);
      t.regex(
        run.err,
        /^roas-pool migrate: MIGRATION_FAILED: copying table zz_late failed: .*; rolled back, the target is as it was\. Fix: /,
      );
      t.is(run.err.trim().split('\n').length, 1, 'one line, no stack');
      const tables = await query<{ n: string }>(
        url.toString(),
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
      );
      t.is(Number(tables[0]?.n), 0, 'users, xp and messages were rolled back with the rest');
    } finally {
      tmp.cleanup();
      await query(db.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  test.serial('connects to the port the URL names, and names the wrong part when it cannot', async (t) => {
    const url = new URL(db.url);
    t.not(
      url.port,
      '5432',
      'the throwaway server listens on another port, so a copy above proves the port is used',
    );
    const tmp = tempDir();
    createSampleBotDb(tmp.file());
    try {
      url.port = String(await freePort());
      const refused = await capture(() =>
        runMigrate(['--from', tmp.file(), '--to', url.toString()], () => undefined),
      );
      t.is(refused.code, 3);
      t.is(
        refused.err,
        `roas-pool migrate: CONNECT_FAILED: nothing accepts connections at 127.0.0.1:${url.port}. Fix: start PostgreSQL there, or correct the host or port in --to.\n`,
      );
      const missing = new URL(db.url);
      missing.pathname = '/no_such_db';
      const noDb = await capture(() =>
        runMigrate(['--from', tmp.file(), '--to', missing.toString()], () => undefined),
      );
      t.is(noDb.code, 3);
      t.regex(
        noDb.err,
        /CONNECT_FAILED: the database "no_such_db" does not exist on 127\.0\.0\.1:\d+\. Fix: create it/,
      );
    } finally {
      tmp.cleanup();
    }
  });

  test.serial('stats reads the PostgreSQL connection_pool_stats table', async (t) => {
    const none = await capture(() => runStats(['--db', db.url]));
    t.is(none.code, 0);
    t.regex(none.out, /has no connection_pool_stats table/);
    await query(db.url, POSTGRES_STATS_TABLE_SQL);
    await query(
      db.url,
      'INSERT INTO connection_pool_stats (active_connections, max_connections) VALUES (3, 20), (7, 20), (11, 20)',
    );
    const run = await capture(() => runStats(['--db', db.url, '--limit', '2']));
    t.is(run.code, 0, run.err);
    const lines = run.out.trim().split('\n');
    t.is(lines.length, 3);
    t.regex(
      lines[0] as string,
      /id\s+timestamp\s+active_connections\s+max_connections\s+wait_time_ms\s+error_count/,
    );
    t.regex(lines[1] as string, /^\s*2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+7\s+20\s+0\s+0$/);
    t.regex(lines[2] as string, /^\s*3\s.*\s11\s+20\s+0\s+0$/);
  });
}
