import test from 'ava';
import Database from 'better-sqlite3';
import { filter, firstValueFrom } from 'rxjs';
import type { PoolOptions } from '../../../core/options/options.js';
import { type Pool } from '../../../core/pool.js';
import { createPool } from '../../../create-pool.js';
import { isPoolError, PoolError } from '../../../core/errors/errors.js';
import type { Lease } from '../../../core/lease/lease.js';
import { sqliteDriver } from '../sqlite/sqlite.js';
import { hybridDriver } from './hybrid-driver.js';
import type { ThreadConnection } from './thread-connection.js';
import { threadDriver } from './thread-driver.js';
import { SLOW_START_MS, tempDir } from '../../../test/helpers.js';

function tempFile(): string {
  return tempDir('roas-threads-').file();
}

/**
 * The two thread modes: every connection in a thread (`all`), and hybrid with every read outside a
 * transaction sent to a thread (threshold 0), so that the thread path is the one exercised.
 */
const MODES = ['all', 'hybrid'] as const;
type Mode = (typeof MODES)[number];

function modeOptions(mode: Mode): PoolOptions {
  return mode === 'all'
    ? { filename: tempFile(), threads: 'all' }
    : { filename: tempFile(), threads: true, offloadThresholdMs: 0 };
}

async function threadPool(max = 4, mode: Mode = 'all'): Promise<Pool> {
  const pool = createPool({ ...modeOptions(mode), max, acquireTimeoutMs: SLOW_START_MS });
  await pool.write((db) => db.exec('CREATE TABLE xp (id INTEGER PRIMARY KEY, user TEXT, points INTEGER)'));
  await ready(pool);
  return pool;
}

/** Until its threads are up, hybrid runs reads inline: wait, so that they take the thread path. */
async function ready(pool: Pool): Promise<void> {
  await (pool.driver as Partial<{ ready(): Promise<void> }>).ready?.();
}

/** The worker-hosted connection behind a lease; the crash tests stop its thread for real. */
function threadOf(lease: Lease): ThreadConnection {
  return lease.entry.conn as ThreadConnection;
}

const count = (pool: Pool): Promise<number> =>
  pool.read(async (db) => (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM xp'))?.n ?? -1);

for (const mode of MODES) {
  test(`${mode}: reads, writes and transactions with awaits between statements run on worker threads`, async (t) => {
    const pool = await threadPool(4, mode);
    t.is(pool.driver.name, mode === 'all' ? 'better-sqlite3-threads' : 'better-sqlite3-hybrid');
    await pool.write((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['ann', 10]));
    await pool.transaction(async (tx) => {
      t.true(tx.inTransaction);
      await tx.run('UPDATE xp SET points = points - 4 WHERE user = ?', ['ann']);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await tx.run('INSERT INTO xp (user, points) VALUES (@user, @points)', { user: 'bob', points: 4 });
    });
    const rows = await pool.read((db) => db.all('SELECT user, points FROM xp ORDER BY user'));
    t.deepEqual(rows, [
      { user: 'ann', points: 6 },
      { user: 'bob', points: 4 },
    ]);
    await t.throwsAsync(
      pool.transaction(async (tx) => {
        await tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['cat', 1]);
        throw new Error('changed my mind');
      }),
      { message: 'changed my mind' },
    );
    t.is(await count(pool), 2);
    await pool.close();
  });

  test(`${mode}: twenty concurrent workers commit every transaction with zero errors`, async (t) => {
    const pool = await threadPool(6, mode);
    const workers = 20;
    const each = 15;
    const errors: unknown[] = [];
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < each; i++) {
          try {
            await pool.transaction(async (tx) => {
              const row = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM xp');
              await tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', [`w${w}`, row?.n ?? 0]);
            });
            await pool.read((db) => db.get('SELECT MAX(points) FROM xp'));
          } catch (err) {
            errors.push(err);
          }
        }
      }),
    );
    t.deepEqual(errors, []);
    t.is(await count(pool), workers * each);
    // Each transaction read the count under the write lock: the points are exactly 0..n-1.
    const distinct = await pool.read((db) =>
      db.get<{ n: number }>('SELECT COUNT(DISTINCT points) AS n FROM xp'),
    );
    t.is(distinct?.n, workers * each);
    await pool.close();
  });

  test(`${mode}: BigInt, Buffer and null cross the thread boundary intact`, async (t) => {
    const big = 2n ** 62n + 7n;
    const blob = Buffer.from([0, 1, 2, 250, 255]);
    const filename = tempFile();
    const pool = createPool({
      driver:
        mode === 'all'
          ? threadDriver({ filename, safeIntegers: true })
          : hybridDriver({ filename, safeIntegers: true, offloadThresholdMs: 0 }),
      max: 3,
      acquireTimeoutMs: SLOW_START_MS,
    });
    await pool.write(async (db) => {
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, big INTEGER, b BLOB, n TEXT)');
      await db.run('INSERT INTO t (big, b, n) VALUES (?, ?, ?)', [big, blob, null]);
    });
    await ready(pool);
    const row = await pool.read((db) =>
      db.get<{ big: bigint; b: Buffer; n: null }>('SELECT big, b, n FROM t'),
    );
    t.is(row?.big, big);
    t.true(Buffer.isBuffer(row?.b));
    t.deepEqual(row?.b, blob);
    t.is(row?.n, null);
    const named = await pool.read((db) =>
      db.get('SELECT @x AS x, @b AS b, @n AS n', { x: big, b: blob, n: null }),
    );
    t.deepEqual(named, { x: big, b: blob, n: null });
    await pool.close();
  });

  test(`${mode}: a SQLite error keeps its class, code and message across the boundary`, async (t) => {
    const file = tempFile();
    const inline = await sqliteDriver({ filename: file }).open('writer');
    await inline.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await inline.run('INSERT INTO t (id) VALUES (1)');
    const expected = await inline.run('INSERT INTO t (id) VALUES (1)').catch((err: unknown) => err);
    await inline.close();

    const pool = createPool({
      ...modeOptions(mode),
      filename: file,
      max: 3,
      acquireTimeoutMs: SLOW_START_MS,
    });
    await ready(pool);
    const err = await pool.write((db) => db.run('INSERT INTO t (id) VALUES (1)')).catch((e: unknown) => e);
    t.true(err instanceof Database.SqliteError);
    t.is((err as { code: string }).code, 'SQLITE_CONSTRAINT_PRIMARYKEY');
    t.is((err as Error).message, (expected as Error).message);
    t.is(pool.driver.classify(err), pool.driver.classify(expected));
    const syntax = await pool.read((db) => db.get('SELEC 1')).catch((e: unknown) => e);
    t.is((syntax as { code: string }).code, 'SQLITE_ERROR');
    await pool.close();
  });

  test(`${mode}: a write on a read lease fails with READ_ONLY_LEASE`, async (t) => {
    const pool = await threadPool(4, mode);
    await t.throwsAsync(
      pool.read((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['eve', 1])),
      { instanceOf: PoolError, code: 'READ_ONLY_LEASE' } as never,
    );
    t.is(await count(pool), 0);
    await pool.close();
  });

  test(`${mode}: statements pipelined without awaits run in call order on the one connection`, async (t) => {
    const pool = await threadPool(4, mode);
    const results = await pool.transaction((tx) =>
      Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['p', i]),
        ),
      ),
    );
    t.deepEqual(
      results.map((r) => r.lastInsertRowid),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const points = await pool.read((db) => db.all<{ points: number }>('SELECT points FROM xp ORDER BY id'));
    t.deepEqual(
      points.map((p) => p.points),
      Array.from({ length: 300 }, (_, i) => i),
    );
    await pool.close();
  });
}

test('a worker terminated inside a transaction fails it, rolls it back and is replaced', async (t) => {
  const pool = await threadPool();
  await pool.write((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['kept', 1]));
  const err = await pool
    .transaction(async (tx) => {
      await tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['lost', 1]);
      const inFlight = Array.from({ length: 50 }, (_, i) =>
        tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['lost', i]),
      );
      await threadOf(tx).terminate();
      const settled = await Promise.allSettled(inFlight);
      t.true(settled.some((s) => s.status === 'rejected'));
      for (const s of settled) if (s.status === 'rejected') t.true(isPoolError(s.reason, 'CONNECTION_LOST'));
      t.false(tx.inTransaction);
      await tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['lost', -1]);
    })
    .catch((e: unknown) => e);
  t.true(isPoolError(err, 'CONNECTION_LOST'));
  t.regex((err as Error).message, /rolled the transaction back/);
  // The replacement writer takes the lock at once: the dead one's transaction left nothing behind.
  await pool.transaction((tx) => tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['after', 1]));
  const users = await pool.read((db) => db.all<{ user: string }>('SELECT user FROM xp ORDER BY id'));
  t.deepEqual(
    users.map((u) => u.user),
    ['kept', 'after'],
  );
  t.is(pool.stats().failed, 1);
  await pool.close();
});

test('an idle worker that dies is replaced without failing anyone', async (t) => {
  const pool = await threadPool();
  const lease = await pool.acquire();
  const conn = threadOf(lease);
  lease.release();
  // The pool hears of the death through the worker's 'exit' event, some turns after terminate()
  // resolves (more of them under a coverage tool): wait for the event, not for a turn count.
  const failed = firstValueFrom(pool.events$.pipe(filter((e) => e.type === 'connection.failed')));
  await conn.terminate();
  await failed;
  t.is(pool.stats().failed, 1);
  t.is(await count(pool), 0);
  const again = await pool.acquire();
  t.not(threadOf(again), conn);
  again.release();
  await pool.close();
});

test('a statement on a lost connection outside a transaction says nothing was lost', async (t) => {
  const pool = await threadPool();
  const lease = await pool.acquire();
  await threadOf(lease).terminate();
  const err = await lease.get('SELECT 1').catch((e: unknown) => e);
  t.true(isPoolError(err, 'CONNECTION_LOST'));
  t.regex((err as Error).message, /outside a transaction with no write in flight/);
  lease.release();
  t.is(await count(pool), 0);
  await pool.close();
});

test('the threads option is checked like every other option', (t) => {
  t.throws(() => createPool({ filename: 'x.db', threads: 'yes' as unknown as boolean }), {
    message: /"threads" must be true, false, 'hybrid' or 'all'/,
  });
  t.throws(() => createPool({ driver: threadDriver({ filename: 'x.db' }), threads: true }), {
    message: /pass hybridDriver\(\{ filename \}\) or threadDriver/,
  });
  t.throws(() => createPool({ filename: 'x.db', offloadThresholdMs: 2 }), {
    message: /"offloadThresholdMs" applies to threads: true/,
  });
  t.throws(() => createPool({ filename: 'x.db', threads: true, offloadThresholdMs: -1 }), {
    message: /"offloadThresholdMs" must be a number >= 0/,
  });
  t.throws(() => createPool({ filename: 'x.db', threads: 'all', readerThreads: 0 }), {
    message: /"readerThreads" must be an integer >= 1/,
  });
  t.throws(() => createPool({ filename: 'x.db', thread: true } as never), {
    message: /did you mean "threads"/,
  });
});

test('getMany answers every parameter set in order, in every mode', async (t) => {
  for (const threads of [false, 'all', 'hybrid'] as const) {
    const pool = createPool({
      filename: tempFile(),
      threads,
      ...(threads === 'hybrid' ? { offloadThresholdMs: 0 } : {}),
      max: 3,
      acquireTimeoutMs: SLOW_START_MS,
    });
    await ready(pool);
    await pool.write(async (db) => {
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
      await db.run('INSERT INTO t (id, b) VALUES (1, ?), (2, ?)', [Buffer.from('one'), Buffer.from('two')]);
    });
    const rows = await pool.read((db) =>
      db.getMany<{ b: Buffer }>('SELECT b FROM t WHERE id = ?', [[2], [3], [1]]),
    );
    t.deepEqual(
      rows,
      [{ b: Buffer.from('two') }, undefined, { b: Buffer.from('one') }],
      `threads: ${threads}`,
    );
    const err = await pool.read((db) => db.getMany('SELECT nope FROM t', [[]])).catch((e: unknown) => e);
    t.is((err as { code?: string }).code, 'SQLITE_ERROR');
    await pool.close();
  }
});

test('a worker that cannot open its database fails acquire with CONNECTION_FAILED and the SQLite code', async (t) => {
  const missing = tempDir('roas-threads-').file('missing.db');
  const pool = createPool({
    driver: threadDriver({ filename: missing, fileMustExist: true }),
    max: 3,
    acquireTimeoutMs: SLOW_START_MS,
  });
  const err = await pool.read((db) => db.get('SELECT 1')).catch((e: unknown) => e);
  t.true(isPoolError(err, 'CONNECTION_FAILED'));
  t.is(((err as Error).cause as { code?: string }).code, 'SQLITE_CANTOPEN');
  await pool.close();
});

test('a loss listener that subscribes after the worker died still hears of it', async (t) => {
  const driver = threadDriver({ filename: tempFile() });
  const conn = (await driver.open('reader')) as ThreadConnection;
  await conn.terminate();
  const cause = await new Promise<Error>((resolve) => conn.onLost(resolve));
  t.regex(cause.message, /worker thread lost: .*nothing was lost/);
  t.false(conn.inTransaction);
  await conn.close();
  await driver.dispose?.();
});
