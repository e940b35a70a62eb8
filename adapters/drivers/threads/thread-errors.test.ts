import test from 'ava';
import Database from 'better-sqlite3';
import { createPool, PoolError, type Pool, type PoolOptions } from '../../../index.js';
import { SLOW_START_MS, tempDir, threadModeOptions } from '../../../test/helpers.js';

/**
 * Real faults raised in a worker thread reach the caller as inline mode raises them: the same class,
 * code, SQLite code and message, a PoolError rebuilt from its code and detail (thread-protocol.ts
 * sends them field by field). Each case runs inline first, as the reference.
 */

const THREAD_MODES = [
  ['threads: true', { ...threadModeOptions('hybrid'), readerThreads: 1 }],
  ["threads: 'all'", { ...threadModeOptions('all'), readerThreads: 1 }],
] as const;

interface Seen {
  name: string;
  message: string;
  code: unknown;
  detail?: string;
  cause?: Seen;
}

/** What a caller sees of an error, down its causes. */
function seen(err: unknown): Seen {
  const e = err as Error & { code?: unknown; detail?: string };
  const out: Seen = { name: e.name, message: e.message, code: e.code };
  if (e instanceof PoolError) out.detail = e.detail;
  if (e.cause !== undefined) out.cause = seen(e.cause);
  return out;
}

/** Runs `fault` on a fresh pool in `mode` (and on a second raw connection to its file) and tells what it threw. */
async function faultIn(
  mode: Partial<PoolOptions>,
  fault: (pool: Pool, file: string) => Promise<unknown>,
): Promise<Seen & { offloaded: number }> {
  const files = tempDir('roas-thread-errors-');
  const pool = createPool({
    filename: files.file(),
    ...mode,
    max: 2,
    maxResultRows: 2,
    busyTimeoutMs: 20,
    acquireTimeoutMs: SLOW_START_MS,
  });
  try {
    await pool.write((db) =>
      db.exec('CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1), (2), (3);'),
    );
    const driver = pool.driver as Partial<{ ready(): Promise<void>; routed(): { offloaded: number } }>;
    // Until its threads are up, hybrid runs reads inline: wait, so that they take the thread path.
    await driver.ready?.();
    const before = driver.routed?.().offloaded ?? 0;
    const err = await fault(pool, files.file()).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    );
    return { ...seen(err), offloaded: (driver.routed?.().offloaded ?? 0) - before };
  } finally {
    await pool.close();
    files.cleanup();
  }
}

interface Fault {
  run: (pool: Pool, file: string) => Promise<unknown>;
  expected: Partial<Seen>;
  /**
   * Hybrid sends it to a thread too: a read that prepares. It runs writes inline, and prepares a
   * read inline before it routes it, so a syntax error never leaves the main thread.
   */
  crossesInHybrid: boolean;
}

const FAULTS: Record<string, Fault> = {
  'a syntax error': {
    run: (pool) => pool.read((db) => db.all('SELEC id FROM a')),
    expected: { name: 'SqliteError', code: 'SQLITE_ERROR' },
    crossesInHybrid: false,
  },
  'an error SQLite raises while a read runs': {
    // It prepares; abs() of the smallest 64-bit integer overflows only when the row is computed.
    run: (pool) => pool.read((db) => db.get('SELECT abs(-9223372036854775807 - 1) AS n FROM a')),
    expected: { name: 'SqliteError', code: 'SQLITE_ERROR', message: 'integer overflow' },
    crossesInHybrid: true,
  },
  'a constraint violation': {
    run: (pool) => pool.write((db) => db.run('INSERT INTO a (id) VALUES (1)')),
    expected: { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_PRIMARYKEY' },
    crossesInHybrid: false,
  },
  'SQLITE_BUSY from a second connection holding the write lock': {
    run: async (pool, file) => {
      const other = new Database(file, { timeout: 0 });
      other.exec('BEGIN IMMEDIATE');
      try {
        return await pool.write((db) => db.run('INSERT INTO a (id) VALUES (4)'));
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
    },
    expected: {
      name: 'PoolError',
      code: 'SQLITE_BUSY',
      cause: { name: 'SqliteError', code: 'SQLITE_BUSY', message: 'database is locked' },
    },
    crossesInHybrid: false,
  },
  'RESULT_TOO_LARGE, a PoolError raised in the worker': {
    run: (pool) => pool.read((db) => db.all('SELECT id FROM a')),
    expected: { name: 'PoolError', code: 'RESULT_TOO_LARGE' },
    crossesInHybrid: true,
  },
};

/** The counts in a SQLITE_BUSY message are the pool's own (made on the main thread): left out. */
function comparable({ offloaded: _, ...s }: Seen & { offloaded: number }): Seen {
  return s.name === 'PoolError' && s.code === 'SQLITE_BUSY' ? { ...s, message: '', detail: '' } : s;
}

for (const [name, fault] of Object.entries(FAULTS)) {
  test(`${name}: keeps its class, code, SQLite code and message on worker threads, as inline`, async (t) => {
    const inline = await faultIn({}, fault.run);
    t.like(inline, fault.expected as Seen, 'the inline reference');
    for (const [label, mode] of THREAD_MODES) {
      const threaded = await faultIn(mode, fault.run);
      t.deepEqual(comparable(threaded), comparable(inline), label);
      if (label === 'threads: true' && fault.crossesInHybrid)
        t.true(threaded.offloaded > 0, `${label}: ran on a thread`);
    }
  });
}
