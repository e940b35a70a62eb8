import test from 'ava';
import pg from 'pg';
import { postgresUnavailable, startPostgres, type TestDatabase } from '../test/pg-server.js';
import { tempDir } from '../test/helpers.js';
import { migrate, runMigrate } from './migrate.js';
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

  test.serial('refuses to overwrite existing tables unless asked, and says which table failed', async (t) => {
    const tmp = tempDir();
    createSampleBotDb(tmp.file());
    let printed = '';
    t.is(await runMigrate(['--from', tmp.file(), '--to', db.url], (s) => (printed += s)), 1);
    t.regex(printed, /copying table users failed: relation "users" already exists/);
    printed = '';
    t.is(
      await runMigrate(['--from', tmp.file(), '--to', db.url, '--drop-existing'], (s) => (printed += s)),
      0,
    );
    t.regex(printed, /messages: 1000 row\(s\) copied/);
    t.regex(printed, /verified 3 table\(s\), 1 index\(es\), 2 foreign key\(s\)/);
    tmp.cleanup();
  });
}
