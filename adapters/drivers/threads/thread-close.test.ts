import test from 'ava';
import Database from 'better-sqlite3';
import { isPoolError } from '../../../core/errors/errors.js';
import { createPool } from '../../../create-pool.js';
import { SLOW_START_MS, tempDir, threadModeOptions } from '../../../test/helpers.js';

// closeTimeoutMs bounds close() on threads: past it, a thread that still owes answers is stopped,
// its requests reject with CONNECTION_LOST naming the timeout, and close() resolves. The work in
// flight is 2,000 statements of about a millisecond each, queued in the thread, so it is seconds
// long and yet the thread can be stopped between two of them (a single statement already inside
// SQLite runs to its end: better-sqlite3 cannot interrupt it).

const MEDIUM =
  'WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 5000) SELECT count(*) AS c FROM n';

function outcome(err: unknown): string {
  if (err === undefined) return 'answered';
  if (isPoolError(err, 'CONNECTION_LOST') && /closeTimeoutMs \(0 ms\)/.test(err.message)) return 'stopped';
  return String(err);
}

for (const mode of ['all', 'hybrid'] as const) {
  test(`${mode}: past closeTimeoutMs, close() stops the thread that still works for a lease and resolves`, async (t) => {
    const tmp = tempDir('roas-thread-close-');
    const pool = createPool({
      filename: tmp.file(),
      readerThreads: 1,
      closeTimeoutMs: 0,
      acquireTimeoutMs: SLOW_START_MS,
      ...threadModeOptions(mode),
    });
    pool.events$.subscribe(); // the close-waiting warning is expected here
    await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)'));
    await (pool.driver as unknown as { ready(): Promise<void> }).ready();
    const lease = await pool.acquire();
    const reads = Array.from({ length: 2000 }, () =>
      lease.get(MEDIUM, [], { offload: true }).then(() => 'answered', outcome),
    );
    t.is(await reads[0], 'answered'); // the thread is at work on the rest
    await pool.close();
    const outcomes = await Promise.all(reads);
    const stopped = outcomes.filter((o) => o === 'stopped').length;
    t.log(`${stopped} of 2000 reads stopped by close()`);
    t.true(stopped > 0, 'close() waited for every read');
    t.true(
      outcomes.every((o) => o === 'answered' || o === 'stopped'),
      outcomes.find((o) => o !== 'answered' && o !== 'stopped'),
    );
    t.is(pool.stats().state, 'closed');
    tmp.cleanup();
  });
}

test('all: past closeTimeoutMs, a transaction still working in its thread is stopped and rolled back', async (t) => {
  const tmp = tempDir('roas-thread-close-');
  const pool = createPool({
    filename: tmp.file(),
    threads: 'all',
    readerThreads: 1,
    closeTimeoutMs: 0,
    acquireTimeoutMs: SLOW_START_MS,
  });
  pool.events$.subscribe();
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)'));
  const tx = await pool.acquire({ mode: 'write' });
  await tx.exec('BEGIN IMMEDIATE');
  await tx.run('INSERT INTO t (id) VALUES (1)');
  const reads = Array.from({ length: 2000 }, () =>
    tx.get(MEDIUM).then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  t.is(await reads[0], undefined); // the thread is at work on the rest
  await pool.close();
  const errors = (await Promise.all(reads)).filter((e) => e !== undefined) as Error[];
  t.true(errors.length > 0, 'close() waited for every statement');
  t.regex(
    errors[0]?.message ?? '',
    /inside a transaction: SQLite rolled the transaction back.*closeTimeoutMs \(0 ms\)/,
  );
  const db = new Database(tmp.file(), { readonly: true });
  t.is((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 0);
  db.close();
  tmp.cleanup();
});
