import test from 'ava';
import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, PoolError } from '../../index.js';
import { tempDir } from '../../test/helpers.js';

// A statement waiting out another process's write lock meets a different error on a retry: it is
// told as it would be on a first attempt. A dead connection (here a corrupt table page, made for
// real) is marked broken and replaced, never handed to the next holder.

/** A database whose table `t` has a page of garbage; its header is intact, so it opens. */
function corruptDatabase(): ReturnType<typeof tempDir> {
  const tmp = tempDir();
  const db = new Database(tmp.file());
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, i INT);
    WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 2000)
    INSERT INTO t (w, i) SELECT k, k FROM n`);
  db.close();
  const fd = openSync(tmp.file(), 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 3);
  closeSync(fd);
  return tmp;
}

for (const threads of [false, true, 'all'] as const) {
  test(`threads: ${threads}: a fatal error on a busy retry is CONNECTION_LOST and the connection is replaced`, async (t) => {
    const tmp = corruptDatabase();
    const pool = createPool({ filename: tmp.file(), threads, acquireTimeoutMs: 60_000 });
    // The writer is open (and the file in WAL mode) before another connection takes the lock.
    await pool.write((db) => db.get('SELECT 1'));
    const other = new Database(tmp.file());
    other.exec('BEGIN IMMEDIATE');
    const write = pool.write((db) => db.run('UPDATE t SET i = i + 1')).catch((e: unknown) => e);
    // Retrying once the first attempt met the lock; then the lock goes, and the retry reads the page.
    while (pool.stats().statementErrors === 0) await sleep(1);
    other.exec('ROLLBACK');
    other.close();
    const err = await write;
    t.true(err instanceof PoolError, String(err));
    t.is((err as PoolError).code, 'CONNECTION_LOST');
    t.is(((err as PoolError).cause as { code?: string }).code, 'SQLITE_CORRUPT');
    // The connection was failed on release, not put back for the next writer.
    t.is(pool.stats().failed, 1);
    await pool.close();
    tmp.cleanup();
  });
}
