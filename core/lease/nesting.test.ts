import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, isPoolError, type Pool } from '../../index.js';
import { SQLITE_MODES, tempDir } from '../../test/helpers.js';
import {
  OUTER,
  holdScenarios,
  insert,
  nestingScenarios,
  until,
  values,
} from '../../test/nesting-scenarios.js';

const NESTED_TIMEOUT_MS = 250;

async function sqlitePool(options: Partial<Parameters<typeof createPool>[0]> = {}) {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), acquireTimeoutMs: NESTED_TIMEOUT_MS, ...options });
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'), OUTER);
  return {
    pool,
    async done() {
      await pool.close();
      tmp.cleanup();
    },
  };
}

nestingScenarios('inline', () => sqlitePool());
nestingScenarios('threads', () => sqlitePool({ threads: true }));
nestingScenarios("threads: 'all'", () => sqlitePool({ threads: 'all' }));
for (const [mode, threads] of SQLITE_MODES) holdScenarios(mode, () => sqlitePool({ threads }));

test('with leak detection on, NESTED_ACQUIRE shows the stack of the outer call', async (t) => {
  const { pool, done } = await sqlitePool({ leakDetectionThresholdMs: 60_000 });
  const err = await t.throwsAsync(pool.write(() => pool.acquire({ mode: 'write' }), OUTER));
  t.true(isPoolError(err, 'NESTED_ACQUIRE'));
  t.regex(err?.message ?? '', /acquired at [^]*nesting\.test\.ts/);
  await done();
});

test('a read lease acquired inside a transaction is still a reader of its own', async (t) => {
  const { pool, done } = await sqlitePool();
  const seen = await pool.transaction(async (tx) => {
    await insert('uncommitted')(tx);
    const reader = await pool.acquire({ mode: 'read' });
    try {
      return await reader.all('SELECT v FROM t');
    } finally {
      reader.release();
    }
  }, OUTER);
  t.deepEqual(seen, [], 'an explicit read lease is another connection: it sees the last commit');
  await done();
});

test('a nested call the outer callback did not await is finished before the outer commits', async (t) => {
  const { pool, done } = await sqlitePool();
  await pool.transaction((tx) => {
    void pool.write(async (db) => {
      await sleep(20);
      await insert('not awaited')(db);
    });
    return insert('outer')(tx);
  }, OUTER);
  t.deepEqual(await values(pool), ['outer', 'not awaited']);
  await done();
});

test('a call that escapes the outer callback and runs after it takes a fresh lease', async (t) => {
  const { pool, done } = await sqlitePool();
  let escaped: Promise<boolean> | undefined;
  let outerDone = false;
  await pool.transaction(async (tx) => {
    await insert('outer')(tx);
    // Runs in the outer callback's async context, but after the transaction has committed and
    // its lease was released: joining that lease would fail with LEASE_RELEASED.
    escaped = until(() => outerDone).then(() =>
      pool.write(async (db) => {
        await insert('escaped')(db);
        return db.inTransaction;
      }),
    );
  }, OUTER);
  outerDone = true;
  t.false(await escaped, 'the escaped write ran in autocommit on its own lease');
  t.deepEqual(await values(pool), ['outer', 'escaped']);
  await done();
});

test('a nested call after the pool revoked the outer lease fails with LEASE_REVOKED and writes nothing', async (t) => {
  const { pool, done } = await sqlitePool({ closeTimeoutMs: 20 });
  let closing: Promise<void> | undefined;
  const err = await t.throwsAsync(
    pool.transaction(async (tx) => {
      await insert('outer')(tx);
      closing = pool.close();
      await until(() => tx.revoked);
      await pool.write(insert('after revoke'));
    }, OUTER),
  );
  t.true(isPoolError(err, 'LEASE_REVOKED'), String(err));
  await closing;
  t.false(await isFileWritten(pool), 'nothing was committed');
  await done();
});

/** Reads the table through a second pool: the closed one can no longer read. */
async function isFileWritten(pool: Pool): Promise<boolean> {
  const other = createPool({ filename: pool.options.filename ?? '' });
  try {
    return (await other.read((db) => db.all('SELECT v FROM t'), OUTER)).length > 0;
  } finally {
    await other.close();
  }
}

test('an aborted signal on a nested call rejects it with ABORTED; the outer goes on', async (t) => {
  const { pool, done } = await sqlitePool();
  const controller = new AbortController();
  controller.abort();
  const code = await pool.transaction(async (tx) => {
    await insert('outer')(tx);
    return pool.write(insert('aborted'), { signal: controller.signal }).catch((e: unknown) => e);
  }, OUTER);
  t.true(isPoolError(code, 'ABORTED'));
  t.deepEqual(await values(pool), ['outer']);
  await done();
});

test('a transaction inside a read callback takes the write lane as any caller does', async (t) => {
  const { pool, done } = await sqlitePool();
  const before = await pool.read(async (db) => {
    await pool.transaction(insert('from a read'), OUTER);
    return db.all('SELECT v FROM t');
  }, OUTER);
  t.deepEqual(before, [{ v: 'from a read' }]);
  await done();
});

test("another pool's transaction inside this one's does not join it", async (t) => {
  const a = await sqlitePool();
  const b = await sqlitePool();
  await t.throwsAsync(
    a.pool.transaction(async (tx) => {
      await insert('in a')(tx);
      await b.pool.transaction(insert('in b'), OUTER);
      throw new Error('a rolls back');
    }, OUTER),
  );
  t.deepEqual(await values(a.pool), []);
  t.deepEqual(await values(b.pool), ['in b'], "b's transaction committed on its own");
  await a.done();
  await b.done();
});
