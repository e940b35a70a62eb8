import test from 'ava';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPool, PoolError } from '../index.js';
import { SLOW_START_MS, tempDir } from './helpers.js';

// Faults a careless caller or a shutdown can cause, run for real: real SQLite files, real worker
// threads, real child processes. Each test counts the writes the pool acknowledged and compares
// them with the rows a fresh connection finds.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test.serial('await pool.close() on worker threads keeps the process alive until it resolves', async (t) => {
  const tmp = tempDir();
  const run = promisify(execFile);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', fixture('close-awaited.ts'), tmp.file()],
    {
      cwd: ROOT,
    },
  ).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    const why = err.code === 13 ? 'a top-level await never settled' : (err.stderr ?? '');
    t.fail(`the child exited with code ${err.code}: ${why}`);
    return { stdout: err.stdout ?? '' };
  });
  t.is(stdout, 'after close\n');
  tmp.cleanup();
});

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT)';

/** Rows in `file`, counted through a connection of its own, as another process would. */
function present(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function codeOf(err: unknown): string {
  return err instanceof PoolError ? err.code : `${(err as Error).name}: ${(err as Error).message}`;
}

/**
 * One `pool.transaction()` whose holder outlives `closeTimeoutMs`: it inserts a row, then close()
 * starts and gives up waiting while the holder is still busy (a slow query in the worker, or a
 * timer inline); then the holder carries on, with one more INSERT or straight to COMMIT.
 */
async function holderOutlivesClose(
  threads: boolean,
  next: 'statement' | 'commit',
): Promise<{ acknowledged: number; present: number; error: string }> {
  const tmp = tempDir();
  const pool = createPool({
    filename: tmp.file(),
    threads: threads && 'all',
    closeTimeoutMs: 1,
    acquireTimeoutMs: SLOW_START_MS,
  });
  await pool.write((db) => db.exec(TABLE));
  let acknowledged = 0;
  let closing: Promise<void> | undefined;
  const error = await pool
    .transaction(async (tx) => {
      await tx.run('INSERT INTO t (tag) VALUES (?)', ['first']);
      // A timer, armed after close's, keeps the holder busy between two statements. (A slow query
      // would block close's timer inline, and on threads close now stops the thread running it:
      // adapters/drivers/threads/thread-close.test.ts.)
      closing = pool.close();
      await new Promise<void>((resolve) => setTimeout(resolve, 30));
      if (next === 'statement') await tx.run('INSERT INTO t (tag) VALUES (?)', ['second']);
    })
    .then(() => {
      acknowledged += next === 'statement' ? 2 : 1;
      return 'committed';
    }, codeOf);
  await closing;
  const rows = present(tmp.file());
  tmp.cleanup();
  return { acknowledged, present: rows, error };
}

for (const threads of [false, true]) {
  const mode = threads ? 'threads' : 'inline';
  for (const next of ['statement', 'commit'] as const) {
    test.serial(
      `${mode}: a holder past closeTimeoutMs is refused with LEASE_REVOKED at its next ${next}, and nothing of its transaction commits`,
      async (t) => {
        const runs = 10;
        let acknowledged = 0;
        let rows = 0;
        const errors = new Map<string, number>();
        for (let i = 0; i < runs; i++) {
          const r = await holderOutlivesClose(threads, next);
          acknowledged += r.acknowledged;
          rows += r.present;
          errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
        }
        t.log(
          `${runs} runs: ${acknowledged} rows acknowledged, ${rows} present; outcomes ${JSON.stringify([...errors])}`,
        );
        t.is(rows, acknowledged, 'rows present = rows acknowledged');
        t.deepEqual([...errors], [['LEASE_REVOKED', runs]]);
      },
    );
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

for (const threads of [false, 'all', 'hybrid'] as const) {
  const mode = threads ? `threads ${threads}` : 'inline';

  test.serial(
    `${mode}: a caller that releases without awaiting its statements never costs the next caller an acknowledged write`,
    async (t) => {
      const tmp = tempDir();
      const pool = createPool({ filename: tmp.file(), threads, acquireTimeoutMs: SLOW_START_MS });
      await pool.write((db) => db.exec(TABLE));
      const runs = 10;
      let acknowledged = 0;
      for (let i = 0; i < runs; i++) {
        // Careless: opens a transaction, writes, and releases without awaiting any of it.
        const careless = await pool.acquire({ mode: 'write' });
        const unawaited = [
          careless.exec('BEGIN IMMEDIATE'),
          careless.run('INSERT INTO t (tag) VALUES (?)', ['careless']),
        ];
        careless.release();
        // Careful: the next holder of the write lane, in autocommit.
        await pool.write((db) => db.run('INSERT INTO t (tag) VALUES (?)', ['careful']));
        acknowledged++;
        await Promise.allSettled(unawaited);
      }
      await pool.close();
      const db = new Database(tmp.file(), { readonly: true });
      const rows = db.prepare('SELECT tag, count(*) AS n FROM t GROUP BY tag').all();
      db.close();
      t.log(`${runs} runs: ${acknowledged} careful writes acknowledged; present ${JSON.stringify(rows)}`);
      t.deepEqual(
        rows,
        [{ tag: 'careful', n: acknowledged }],
        'every acknowledged write, and nothing uncommitted',
      );
      tmp.cleanup();
    },
  );

  test.serial(
    `${mode}: a statement waiting out SQLITE_BUSY when its holder releases never runs inside the next holder's transaction`,
    async (t) => {
      const tmp = tempDir();
      const pool = createPool({
        filename: tmp.file(),
        threads,
        acquireTimeoutMs: SLOW_START_MS,
        busyTimeoutMs: 10_000,
      });
      await pool.write((db) => db.exec(TABLE));
      // Another process's connection, as far as SQLite can tell: it holds the write lock.
      const other = new Database(tmp.file());
      const runs = 5;
      let acknowledged = 0;
      const outcomes = new Map<string, number>();
      for (let i = 0; i < runs; i++) {
        other.exec('BEGIN IMMEDIATE');
        const careless = await pool.acquire({ mode: 'write' });
        // SQLITE_BUSY: the pool waits and retries it; the holder releases without awaiting it.
        const waiting = careless.run('INSERT INTO t (tag) VALUES (?)', ['careless']).then(() => {
          acknowledged++;
          return 'acknowledged';
        }, codeOf);
        await sleep(30);
        careless.release();
        const next = await pool.acquire({ mode: 'write' });
        await sleep(30);
        // The lock frees and the next holder takes it in the same turn: its transaction is open
        // when the careless statement's next retry comes due. Then it changes its mind.
        other.exec('COMMIT');
        await next.exec('BEGIN IMMEDIATE');
        await next.run('INSERT INTO t (tag) VALUES (?)', ['rolled back']);
        await sleep(250);
        await next.exec('ROLLBACK');
        next.release();
        const outcome = await waiting;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      await pool.close();
      other.close();
      const rows = present(tmp.file());
      t.log(
        `${runs} runs: ${acknowledged} careless writes acknowledged, ${rows} present; outcomes ${JSON.stringify([...outcomes])}`,
      );
      t.is(rows, acknowledged, 'rows present = rows acknowledged');
      tmp.cleanup();
    },
  );
}
