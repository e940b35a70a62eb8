import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import pg from 'pg';
import type { Lease } from '../../core/lease/lease.js';
import type { Pool } from '../../core/pool.js';
import { createPool } from '../../create-pool.js';
import { postgresDriver } from '../../postgres.js';
import { withPostgres } from '../../test/pg-server.js';
import { serializableTransaction } from './serializable-transaction.js';
import { SQLITE_MODES } from '../../test/helpers.js';

/**
 * The lost-update workload: each user reads the counter, then writes back what it read plus one.
 * `together` holds every writer until all have read once, so under READ COMMITTED all of them read
 * the same value, whatever the machine's speed: the interleaving is made by events, not by luck.
 */
const USERS = 8;

function barrier(count: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive() {
      if (++arrived === count) open();
      return all;
    },
  };
}

/** One increment by read-then-write; `wait` runs between the read and the write. */
async function increment(tx: Lease, wait: () => Promise<unknown>): Promise<void> {
  const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
  await wait();
  await tx.run('UPDATE counter SET n = ? WHERE id = 1', [(row?.n ?? 0) + 1]);
}

async function counter(pool: Pool): Promise<number> {
  return (await pool.read((db) => db.get<{ n: number }>('SELECT n FROM counter WHERE id = 1')))?.n ?? -1;
}

for (const [mode, threads] of SQLITE_MODES) {
  test(`on SQLite (${mode}) concurrent read-then-write increments lose none, with the helper or without`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'roas-serializable-'));
    const pool = createPool({ filename: join(dir, 'bot.db'), threads, acquireTimeoutMs: 60_000 });
    try {
      await pool.write((db) =>
        db.exec(
          'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counter VALUES (1, 0)',
        ),
      );
      // The write lane runs one transaction at a time: a pause between read and write loses nothing.
      const pause = () => tick();
      await Promise.all(Array.from({ length: USERS }, () => pool.transaction((tx) => increment(tx, pause))));
      t.is(await counter(pool), USERS);
      let runs = 0;
      await Promise.all(
        Array.from({ length: USERS }, () =>
          serializableTransaction(pool, (tx) => {
            runs++;
            return increment(tx, pause);
          }),
        ),
      );
      t.is(await counter(pool), 2 * USERS);
      t.is(runs, USERS, 'no retry on SQLite');
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

withPostgres((server) => {
  async function pgPool(t: ExecutionContext, table: string): Promise<Pool> {
    const admin = new pg.Client({ connectionString: server().url });
    await admin.connect();
    await admin.query(
      `CREATE SCHEMA ${table}; CREATE TABLE ${table}.counter (id int PRIMARY KEY, n int); INSERT INTO ${table}.counter VALUES (1, 0)`,
    );
    await admin.end();
    const pool = createPool({
      driver: postgresDriver({
        connectionString: server().url,
        placeholders: 'question',
        options: `-c search_path=${table}`,
      }),
      max: USERS,
    });
    t.teardown(() => pool.close());
    return pool;
  }

  test('on PostgreSQL under READ COMMITTED, concurrent read-then-write increments lose updates', async (t) => {
    const pool = await pgPool(t, 'lost');
    const together = barrier(USERS);
    await Promise.all(
      Array.from({ length: USERS }, () => pool.transaction((tx) => increment(tx, () => together.arrive()))),
    );
    // Every writer read 0 before any wrote: all wrote 1.
    t.is(await counter(pool), 1);
  });

  test('on PostgreSQL serializableTransaction() loses none: the losers are rolled back and run again', async (t) => {
    const pool = await pgPool(t, 'kept');
    const together = barrier(USERS);
    let runs = 0;
    await Promise.all(
      Array.from({ length: USERS }, () =>
        serializableTransaction(
          pool,
          (tx) => {
            runs++;
            return increment(tx, () => together.arrive());
          },
          // Each failed run of a user follows another user's commit, so USERS - 1 retries suffice.
          { retries: USERS },
        ),
      ),
    );
    t.is(await counter(pool), USERS);
    t.true(runs > USERS, `${runs} runs: the losers ran again`);
    // SET TRANSACTION ends with its transaction: no session reset was needed.
    t.is(pool.stats().leased, 0);
  });

  test('on PostgreSQL a serialization failure past the retries rejects with the server error', async (t) => {
    const pool = await pgPool(t, 'gives_up');
    const together = barrier(2);
    const results = await Promise.allSettled(
      [0, 1].map(() =>
        serializableTransaction(pool, (tx) => increment(tx, () => together.arrive()), { retries: 0 }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    t.is(failed.length, 1);
    t.is(((failed[0] as PromiseRejectedResult).reason as { code?: string }).code, '40001');
    t.is(await counter(pool), 1);
  });
});

test('rejects a bad call with INVALID_ARGUMENT, never throws', async (t) => {
  const bad = (v: unknown) => v as never;
  for (const call of [
    () => serializableTransaction(bad(42), () => 1),
    () => serializableTransaction(bad({ transaction() {} }), bad(42)),
    () => serializableTransaction(bad({ transaction() {} }), () => 1, { retries: -1 }),
    () => serializableTransaction(bad({ transaction() {} }), () => 1, { maxBackoffMs: 0.5 }),
  ]) {
    const p = call();
    t.true(p instanceof Promise);
    await t.throwsAsync(p, { code: 'INVALID_ARGUMENT' as never });
  }
});
