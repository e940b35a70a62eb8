import test, { type ExecutionContext } from 'ava';
import { isPoolError } from '../../../core/errors/errors.js';
import type { Lease } from '../../../core/lease/lease.js';
import type { Pool } from '../../../core/pool.js';
import { createPool } from '../../../create-pool.js';
import { SLOW_START_MS, tempDir, threadModeOptions } from '../../../test/helpers.js';
import type { ThreadHost } from './thread-host.js';
import { liveThreads } from '../../../test/live-threads.js';

// Every worker thread of the pool is stopped for real (Worker.terminate(), as a crash or an OOM
// kill would) at each point of a lease's life, in both thread modes. What must hold each time: no
// exception escapes (AVA fails the file on an uncaught one), every statement settles, a COMMIT
// that was in flight says it may or may not have landed, and the pool serves again.

const MODES = ['all', 'hybrid'] as const;
type Mode = (typeof MODES)[number];

async function threadPool(mode: Mode): Promise<{ pool: Pool; done: () => Promise<void> }> {
  const tmp = tempDir('roas-thread-death-');
  const pool = createPool({
    filename: tmp.file(),
    max: 3,
    readerThreads: 1,
    acquireTimeoutMs: SLOW_START_MS,
    // No WAL-size check: it takes the write lane a second after a write, and would show as a lease
    // held at the moment the tests assert that none is (when a thread's reboot takes that long).
    walCheckpointThresholdFrames: 0,
    ...threadModeOptions(mode),
  });
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)'));
  await (pool.driver as unknown as { ready(): Promise<void> }).ready();
  return {
    pool,
    async done() {
      await pool.close();
      tmp.cleanup();
    },
  };
}

/** Stops every live thread of the pool's driver; resolves once they have ended. */
function killAll(pool: Pool): Promise<unknown> {
  const host = (pool.driver as unknown as { host: ThreadHost }).host;
  return Promise.all(liveThreads(host).map((link) => link.terminate()));
}

const count = (pool: Pool): Promise<number> =>
  pool.read(async (db) => (await db.get<{ n: number }>('SELECT count(*) AS n FROM t'))?.n ?? -1);

/** An offloaded read (hybrid) or a read on a reader thread ('all'), in flight at the kill. */
function readInFlight(lease: Lease): Promise<unknown> {
  return lease.get('SELECT count(*) AS n FROM t', [], { offload: true }).then(
    () => 'answered',
    (err: unknown) => (isPoolError(err, 'CONNECTION_LOST') ? 'lost' : String(err)),
  );
}

/** After the deaths: the pool replaces what died, and reads and writes are served again. */
async function servesAgain(t: ExecutionContext, pool: Pool, before: number): Promise<void> {
  await pool.write((db) => db.run('INSERT INTO t (v) VALUES (?)', [99]));
  t.is(await count(pool), before + 1);
  t.is(pool.stats().leased, 0);
}

function lostOrAnswered(t: ExecutionContext, outcome: unknown): void {
  t.true(outcome === 'lost' || outcome === 'answered', String(outcome));
}

for (const mode of MODES) {
  test(`${mode}: a thread dies before BEGIN`, async (t) => {
    const { pool, done } = await threadPool(mode);
    const reader = await pool.acquire();
    const read = readInFlight(reader);
    const lease = await pool.acquire({ mode: 'write' });
    const killed = killAll(pool);
    const begin = await lease.exec('BEGIN IMMEDIATE').then(
      () => 'began',
      (err: unknown) => err,
    );
    await killed;
    lostOrAnswered(t, await read);
    if (mode === 'hybrid') t.is(begin, 'began', 'the hybrid writer is inline: no thread of its own');
    else t.true(isPoolError(begin, 'CONNECTION_LOST'), String(begin));
    if (lease.inTransaction) await lease.exec('ROLLBACK');
    lease.release();
    reader.release();
    await servesAgain(t, pool, 0);
    await done();
  });

  test(`${mode}: a thread dies inside a transaction`, async (t) => {
    const { pool, done } = await threadPool(mode);
    const err = await pool
      .transaction(async (tx) => {
        await tx.run('INSERT INTO t (v) VALUES (1)');
        await killAll(pool);
        await tx.run('INSERT INTO t (v) VALUES (2)');
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    if (mode === 'hybrid') t.is(err, undefined, 'the transaction is inline: it commits');
    else {
      t.true(isPoolError(err, 'CONNECTION_LOST'), String(err));
      t.regex(err?.message ?? '', /rolled the transaction back/);
    }
    await servesAgain(t, pool, mode === 'hybrid' ? 2 : 0);
    await done();
  });

  test(`${mode}: a thread dies with a COMMIT in flight`, async (t) => {
    const { pool, done } = await threadPool(mode);
    const reader = await pool.acquire();
    const read = readInFlight(reader);
    const lease = await pool.acquire({ mode: 'write' });
    await lease.exec('BEGIN IMMEDIATE');
    await lease.run('INSERT INTO t (v) VALUES (1)');
    // Sent in the same turn as the kill: the COMMIT is in flight when the threads end.
    const commit = lease.exec('COMMIT').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const killed = killAll(pool);
    const err = await commit;
    await killed;
    lostOrAnswered(t, await read);
    lease.release();
    reader.release();
    const committed = await count(pool);
    if (mode === 'hybrid') t.is(err, undefined, 'the hybrid writer is inline: the COMMIT lands');
    else {
      t.true(isPoolError(err, 'CONNECTION_LOST'), String(err));
      t.regex(err?.message ?? '', /COMMIT was in flight: the transaction may or may not have been committed/);
      t.true(committed === 0 || committed === 1);
    }
    await servesAgain(t, pool, committed);
    await done();
  });

  test(`${mode}: a thread dies while a cursor is open`, async (t) => {
    const { pool, done } = await threadPool(mode);
    await pool.write((db) =>
      db.exec(
        'WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 100) INSERT INTO t (v) SELECT k FROM n',
      ),
    );
    const seen = await pool
      .read(async (db) => {
        let rows = 0;
        const read = readInFlight(db);
        for await (const chunk of db.iterate('SELECT v FROM t ORDER BY id', [], 10)) {
          rows += chunk.length;
          if (rows === 10) await killAll(pool);
        }
        lostOrAnswered(t, await read);
        return rows;
      })
      .catch((e: unknown) => e as Error);
    if (mode === 'hybrid') t.is(seen, 100, 'hybrid cursors run inline');
    else t.true(isPoolError(seen, 'CONNECTION_LOST'), String(seen));
    await servesAgain(t, pool, 100);
    await done();
  });

  test(`${mode}: a thread dies while the pool closes`, async (t) => {
    const { pool, done } = await threadPool(mode);
    const reader = await pool.acquire();
    const writer = await pool.acquire({ mode: 'write' });
    const read = readInFlight(reader);
    const write = writer.run('INSERT INTO t (v) VALUES (1)').then(
      () => 'answered',
      (err: unknown) => (isPoolError(err, 'CONNECTION_LOST') ? 'lost' : String(err)),
    );
    reader.release();
    writer.release();
    const closed = pool.close();
    await killAll(pool);
    await closed;
    lostOrAnswered(t, await read);
    lostOrAnswered(t, await write);
    t.is(pool.stats().state, 'closed');
    await done();
  });
}
