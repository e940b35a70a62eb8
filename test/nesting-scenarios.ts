import test from 'ava';
import { setImmediate as turn } from 'node:timers/promises';
import { isPoolError, type Pool } from '../index.js';

/**
 * The nested-work tests that must hold on every driver: each registers one AVA test per scenario,
 * titled with the driver's label. `setup` gives a pool whose `acquireTimeoutMs` is small (so that a
 * nested call that waits for the write lane again fails fast with ACQUIRE_TIMEOUT) and a table
 * `t (id, v)`, and `done` closes it. The outer calls pass a long `timeoutMs`: only they may wait
 * for a connection to open (a worker thread, a server); a nested call never acquires.
 */
export interface NestingSetup {
  pool: Pool;
  done(): Promise<void>;
}

/** Long enough for a worker thread or a server connection to open on a loaded machine. */
export const OUTER = { timeoutMs: 60_000 } as const;

async function values(pool: Pool): Promise<string[]> {
  const rows = await pool.read((db) => db.all<{ v: string }>('SELECT v FROM t ORDER BY id'), OUTER);
  return rows.map((r) => r.v);
}

const insert = (v: string) => (db: { run(sql: string, params: unknown[]): Promise<unknown> }) =>
  db.run('INSERT INTO t (v) VALUES (?)', [v]);

/** Registers the scenarios for one driver. */
export function nestingScenarios(label: string, setup: () => Promise<NestingSetup>): void {
  test(`a nested transaction commits as a savepoint, or rolls back alone while the outer commits (${label})`, async (t) => {
    const { pool, done } = await setup();
    const inner = await pool.transaction(async (tx) => {
      await insert('outer')(tx);
      await pool.transaction(insert('kept'));
      const failed = await pool
        .transaction(async (sp) => {
          await insert('dropped')(sp);
          throw new Error('inner fails');
        })
        .catch((err: Error) => err.message);
      await insert('after')(tx);
      return failed;
    }, OUTER);
    t.is(inner, 'inner fails');
    t.deepEqual(await values(pool), ['outer', 'kept', 'after']);
    await done();
  });

  test(`a statement that fails inside a nested transaction leaves the outer one usable (${label})`, async (t) => {
    const { pool, done } = await setup();
    let sawFirst = false;
    await pool.transaction(async (tx) => {
      await insert('first')(tx);
      // A duplicate key: PostgreSQL marks the whole transaction failed; the savepoint undoes that.
      const failed = await pool
        .transaction(async (sp) => {
          await insert('dropped')(sp);
          const [first] = await sp.all<{ id: number }>('SELECT id FROM t ORDER BY id');
          sawFirst = first !== undefined;
          await sp.run('INSERT INTO t (id, v) VALUES (?, ?)', [first?.id, 'duplicate']);
        })
        .then(
          () => false,
          () => true,
        );
      t.true(failed);
      await insert('second')(tx);
    }, OUTER);
    t.true(sawFirst, 'the nested transaction ran on the outer connection');
    t.deepEqual(await values(pool), ['first', 'second']);
    await done();
  });

  test(`an outer rollback drops the work of its released savepoints (${label})`, async (t) => {
    const { pool, done } = await setup();
    const err = await t.throwsAsync(
      pool.transaction(async (tx) => {
        await insert('outer')(tx);
        await pool.transaction(insert('inner'));
        await pool.write(insert('nested write'));
        throw new Error('outer fails');
      }, OUTER),
    );
    t.is(err?.message, 'outer fails');
    t.deepEqual(await values(pool), []);
    await done();
  });

  test(`write in transaction, transaction in transaction, transaction in write and write in write finish without ACQUIRE_TIMEOUT (${label})`, async (t) => {
    const { pool, done } = await setup();
    await pool.transaction(() => pool.write(insert('write in transaction')), OUTER);
    await pool.transaction(() => pool.transaction(insert('transaction in transaction')), OUTER);
    await pool.write(() => pool.transaction(insert('transaction in write')), OUTER);
    await pool.write(() => pool.write(insert('write in write')), OUTER);
    await pool.transaction(
      () => pool.write(() => pool.transaction(() => pool.write(insert('four deep')))),
      OUTER,
    );
    t.deepEqual(await values(pool), [
      'write in transaction',
      'transaction in transaction',
      'transaction in write',
      'write in write',
      'four deep',
    ]);
    t.is(pool.stats().timeouts, 0);
    await done();
  });

  test(`a read inside a transaction sees the transaction's uncommitted rows (${label})`, async (t) => {
    const { pool, done } = await setup();
    const seen = await pool.transaction(async (tx) => {
      await insert('uncommitted')(tx);
      await pool.transaction(insert('in a savepoint'));
      return pool.read((db) => db.all<{ v: string }>('SELECT v FROM t ORDER BY id'));
    }, OUTER);
    t.deepEqual(
      seen.map((r) => r.v),
      ['uncommitted', 'in a savepoint'],
    );
    await done();
  });

  test(`nested writes under Promise.all in a transaction run one at a time, never interleaved (${label})`, async (t) => {
    const { pool, done } = await setup();
    const writers = ['a', 'b', 'c', 'd'];
    await pool.transaction(
      () =>
        Promise.all(
          writers.map((w) =>
            pool.write(async (db) => {
              await insert(`${w}1`)(db);
              // Another writer's statement would land here if joined calls were not serialized.
              await turn();
              await insert(`${w}2`)(db);
            }),
          ),
        ),
      OUTER,
    );
    t.deepEqual(
      await values(pool),
      writers.flatMap((w) => [`${w}1`, `${w}2`]),
    );
    await done();
  });

  test(`acquire({ mode: 'write' }) inside a transaction fails at once with NESTED_ACQUIRE naming the outer callback (${label})`, async (t) => {
    const { pool, done } = await setup();
    const err = await t.throwsAsync(
      pool.transaction(async function awardXp(tx) {
        await insert('outer')(tx);
        const lease = await pool.acquire({ mode: 'write' });
        lease.release();
      }, OUTER),
    );
    t.true(isPoolError(err, 'NESTED_ACQUIRE'), String(err));
    t.regex(err?.message ?? '', /pool\.transaction\(\) callback `(async )?function awardXp/);
    t.deepEqual(await values(pool), [], 'the outer transaction rolled back');
    await done();
  });
}

/**
 * What the outer call's hold keeps (pool.write and pool.transaction run it in one async function,
 * with BEGIN and COMMIT awaited only when they do not run at once): an outer throw rolls back only
 * after the nested call it did not await has settled; a callback that throws before its first
 * await, or returns a plain value, ends as an async one does; the lease always comes back; and a
 * call from an unrelated async context never joins: with one write connection (`writers` 'one',
 * SQLite) it queues for the write lane; with writers side by side (PostgreSQL) it runs beside it.
 */
export function holdScenarios(
  label: string,
  setup: () => Promise<NestingSetup>,
  writers: 'one' | 'side by side' = 'one',
): void {
  test(`an outer callback that throws rolls back after its unawaited nested call settled (${label})`, async (t) => {
    const { pool, done } = await setup();
    let nested = 'pending';
    const err = await t.throwsAsync(
      pool.transaction(async (tx) => {
        await insert('outer')(tx);
        void pool.write(async (db) => {
          await turn();
          await insert('nested')(db);
          nested = 'settled';
        });
        throw new Error('outer fails');
      }, OUTER),
    );
    t.is(err?.message, 'outer fails');
    t.is(nested, 'settled', 'the ROLLBACK came before the nested call finished');
    t.deepEqual(await values(pool), []);
    t.is(pool.stats().leased, 0);
    await done();
  });

  test(`a callback that throws at once rolls back; one that returns a plain value commits (${label})`, async (t) => {
    const { pool, done } = await setup();
    const thrown = await t.throwsAsync(
      pool.transaction((tx) => {
        void insert('dropped')(tx);
        throw new Error('at once');
      }, OUTER),
    );
    t.is(thrown?.message, 'at once');
    t.is(await pool.transaction(() => 42, OUTER), 42);
    t.is(await pool.write(() => 'plain', OUTER), 'plain');
    await pool.transaction((tx) => void insert('kept')(tx), OUTER);
    t.deepEqual(await values(pool), ['kept']);
    t.is(pool.stats().leased, 0);
    await done();
  });

  // One write connection (SQLite): the outside write queues for the lane and runs after the
  // commit, so it sees the row. Writers side by side (PostgreSQL): it runs on a connection of its
  // own while the transaction is open, so it sees nothing: had it joined, it would see the row.
  // Either way the order is fixed by the test, not by how fast a connection opens.
  const oneWriter = writers === 'one';
  test(`a write from an unrelated async context never joins the transaction; ${oneWriter ? 'it waits for the commit' : 'it runs beside it'} (${label})`, async (t) => {
    const { pool, done } = await setup();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const order: string[] = [];
    const outer = pool
      .transaction(async (tx) => {
        await insert('outer')(tx);
        open();
        await finished;
      }, OUTER)
      .then(() => order.push('outer'));
    await opened;
    // Called here, outside the transaction's callback.
    const outside = pool
      .write((db) => db.get<{ n: number }>('SELECT count(*) AS n FROM t'), OUTER)
      .then((row) => order.push(`outside saw ${row?.n}`));
    if (oneWriter) {
      await turn();
      finish();
      await Promise.all([outer, outside]);
      t.deepEqual(order, ['outer', 'outside saw 1']);
    } else {
      await outside;
      finish();
      await outer;
      t.deepEqual(order, ['outside saw 0', 'outer']);
    }
    t.deepEqual(await values(pool), ['outer']);
    await done();
  });
}

/** True once `done()` holds, checked turn by turn; bounded by turns, not by the wall clock. */
export async function until(done: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!done()) throw new Error('condition never held');
}

export { values, insert };
