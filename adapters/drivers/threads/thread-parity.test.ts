import test from 'ava';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { createPool, type Pool } from '../../../index.js';
import { SLOW_START_MS, tempDir } from '../../../test/helpers.js';

/**
 * The same calls on an inline pool and on a worker-thread pool must answer alike: rows as arrays,
 * what SQLite says of a statement, and errors with their class, code and the caller's frames.
 */

const HERE = fileURLToPath(import.meta.url);

/** Inline; every connection in a thread; hybrid with every read outside a transaction on a thread. */
const MODES = {
  inline: {},
  threads: { threads: 'all' },
  hybrid: { threads: true, offloadThresholdMs: 0 },
} as const;
type Mode = keyof typeof MODES;

async function pool(mode: Mode): Promise<{ pool: Pool; cleanup: () => Promise<void> }> {
  const files = tempDir('roas-parity-');
  const p = createPool({ filename: files.file(), ...MODES[mode], max: 2, acquireTimeoutMs: SLOW_START_MS });
  await p.write((db) =>
    db.exec(`CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT, data BLOB);
      CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER);
      INSERT INTO a VALUES (1, 'ann', x'0102'); INSERT INTO b VALUES (7, 1);`),
  );
  // Until its threads are up, hybrid runs reads inline: wait, so that they take the thread path.
  await (p.driver as Partial<{ ready(): Promise<void> }>).ready?.();
  return {
    pool: p,
    cleanup: async () => {
      await p.close();
      files.cleanup();
    },
  };
}

/** Runs `fn` with the error it throws when awaited here, so its async frames lead to this file. */
async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

for (const mode of Object.keys(MODES) as Mode[]) {
  test(`values() returns rows as arrays in column order, Buffers intact (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(mode);
    const rows = await p.read((db) => db.values('SELECT a.id, b.id, a.data FROM a JOIN b ON b.a_id = a.id'));
    t.deepEqual(rows, [[1, 7, Buffer.from([1, 2])]]);
    t.true(Buffer.isBuffer(rows[0]?.[2]));
    await cleanup();
  });

  test(`describe() says what SQLite says of a statement, whatever its text (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(mode);
    const info = (sql: string) => p.read((db) => db.describe(sql));
    t.deepEqual(await info('/* board */ SELECT id, name FROM a'), {
      readonly: true,
      reader: true,
      columns: ['id', 'name'],
    });
    t.deepEqual(await info('PRAGMA user_version'), {
      readonly: true,
      reader: true,
      columns: ['user_version'],
    });
    t.deepEqual(await info('PRAGMA user_version = 2'), { readonly: false, reader: false, columns: [] });
    t.deepEqual(await info("UPDATE a SET name = 'returning'"), {
      readonly: false,
      reader: false,
      columns: [],
    });
    t.deepEqual(
      await info("WITH x AS (SELECT 'bo' AS n) INSERT INTO a (name) SELECT n FROM x RETURNING id"),
      {
        readonly: false,
        reader: true,
        columns: ['id'],
      },
    );
    await cleanup();
  });

  test(`a SQLite error keeps its class, code and the caller's frames (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(mode);
    const err = await caught(() => p.write((db) => db.run('INSERT INTO a (id) VALUES (1)')));
    t.true(err instanceof Database.SqliteError);
    t.is(err.name, 'SqliteError');
    t.is((err as { code?: string }).code, 'SQLITE_CONSTRAINT_PRIMARYKEY');
    t.true(err.stack?.includes(HERE), err.stack);
    await cleanup();
  });

  test(`a misuse error keeps its built-in class and the caller's frames (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(mode);
    // better-sqlite3 refuses to return rows from a statement that returns none: a TypeError.
    const err = await caught(() => p.write((db) => db.all("UPDATE a SET name = 'x'")));
    t.true(err instanceof TypeError, String(err));
    t.regex(err.message, /does not return data/);
    t.true(err.stack?.includes(HERE), err.stack);
    await cleanup();
  });

  test(`a read that fails keeps its class and the caller's frames (${mode})`, async (t) => {
    const { pool: p, cleanup } = await pool(mode);
    // It prepares and only reads (hybrid sends it to a thread); binding two values to one ? fails.
    const err = await caught(() => p.read((db) => db.get('SELECT id FROM a WHERE id = ?', [1, 2])));
    t.true(err instanceof RangeError, String(err));
    t.regex(err.message, /Too many parameter values/);
    t.true(err.stack?.includes(HERE), err.stack);
    await cleanup();
  });
}
