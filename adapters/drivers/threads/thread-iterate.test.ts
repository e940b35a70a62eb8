import test from 'ava';
import { Kysely } from 'kysely';
import { createPool, isPoolError, type Pool } from '../../../index.js';
import { RoasPoolDialect } from '../../faces/kysely.js';
import { SLOW_START_MS, tempDir } from '../../../test/helpers.js';

/**
 * `lease.iterate()` answers alike inline and on worker threads: the same chunks, Buffers intact,
 * read on demand (so a result past `maxResultRows` streams), and a loop left early frees the
 * connection for the next statement.
 */

const ROWS = 10;

async function pool(threads: boolean | 'all'): Promise<{ pool: Pool; cleanup: () => Promise<void> }> {
  const files = tempDir('roas-iterate-');
  const p = createPool({
    filename: files.file(),
    threads,
    max: 2,
    maxResultRows: 3,
    acquireTimeoutMs: SLOW_START_MS,
  });
  await p.write((db) =>
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO t SELECT i, x'ff' FROM n;`),
  );
  return {
    pool: p,
    cleanup: async () => {
      await p.close();
      files.cleanup();
    },
  };
}

async function collect<T>(chunks: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

for (const threads of [false, true, 'all'] as const) {
  const mode = threads === 'all' ? "threads: 'all'" : threads ? 'hybrid' : 'inline';

  test(`a lease released in the middle of iterate() hands on a connection that works (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(threads);
    const abandoned: AsyncIterator<unknown>[] = [];
    for (const mode of ['read', 'write'] as const) {
      const lease = await p.acquire({ mode });
      const rows = lease.iterate<{ id: number }>('SELECT id FROM t ORDER BY id', [], 2);
      t.deepEqual((await rows.next()).value, [{ id: 1 }, { id: 2 }]);
      // Careless: released with the cursor still open, the loop never left (nor resumed).
      lease.release();
      abandoned.push(rows);
    }
    // The writer's next holder can write (an open cursor makes SQLite refuse it as busy) ...
    await p.write((db) => db.run("INSERT INTO t (id, data) VALUES (100, x'00')"));
    // ... and the reader's next holder (max 2: the same connection) sees that commit: a cursor
    // left open would keep the reader on its old snapshot.
    t.deepEqual(await p.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: ROWS + 1 });
    t.is(p.stats().created, 2);
    for (const rows of abandoned) await t.throwsAsync(rows.next(), { code: 'LEASE_RELEASED' } as never);
    await cleanup();
  });

  test(`iterate() yields the rows in chunks past maxResultRows, Buffers intact (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(threads);
    const chunks = await p.read((db) =>
      collect(
        db.iterate<{ id: number; data: Buffer }>('SELECT id, data FROM t WHERE id > ? ORDER BY id', [0], 4),
      ),
    );
    t.deepEqual(
      chunks.map((rows) => rows.map((row) => row.id)),
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ],
    );
    t.true(chunks.every((rows) => rows.every((row) => Buffer.isBuffer(row.data))));
    // all() of the same query stops at the cap: iterate() never held the whole result.
    const err = await t.throwsAsync(p.read((db) => db.all('SELECT id FROM t')));
    t.true(isPoolError(err, 'RESULT_TOO_LARGE'));
    await cleanup();
  });

  test(`leaving iterate() early frees the connection for the next statement (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(threads);
    const total = await p.write(async (db) => {
      for await (const rows of db.iterate('SELECT id FROM t ORDER BY id', [], 2)) {
        t.is(rows.length, 2);
        break;
      }
      // Inline, an open cursor makes better-sqlite3 refuse any statement on the connection.
      await db.run('DELETE FROM t WHERE id > 5');
      return db.get<{ n: number }>('SELECT count(*) AS n FROM t');
    });
    t.deepEqual(total, { n: 5 });
    await cleanup();
  });

  test(`iterate() rejects a statement that does not prepare with SQLite's error (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(threads);
    // better-sqlite3's SqliteError is not a native Error to AVA's throwsAsync: catch it here.
    const err = await p
      .read((db) => collect(db.iterate('SELECT nope FROM t')))
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    t.regex(err?.message ?? 'resolved', /no such column: nope/);
    t.is(await p.read((db) => db.get<{ id: number }>('SELECT id FROM t WHERE id = 1')).then((r) => r?.id), 1);
    await cleanup();
  });

  test(`Kysely streams past maxResultRows, chunk by chunk (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(threads);
    const db = new Kysely<{ t: { id: number } }>({ dialect: new RoasPoolDialect({ pool: p }) });
    const ids: number[] = [];
    for await (const row of db.selectFrom('t').select('id').orderBy('id').stream(3)) ids.push(row.id);
    t.deepEqual(
      ids,
      Array.from({ length: ROWS }, (_, i) => i + 1),
    );
    t.is(p.stats().leased, 0);
    await db.destroy();
    await cleanup();
  });
}

test('iterate() refuses a chunk size that is not a whole number of rows, at the call', async (t) => {
  const { pool: p, cleanup } = await pool(false);
  const lease = await p.acquire();
  const err = t.throws(() => lease.iterate('SELECT id FROM t', [], 0));
  t.true(isPoolError(err, 'INVALID_ARGUMENT'));
  lease.release();
  await cleanup();
});
