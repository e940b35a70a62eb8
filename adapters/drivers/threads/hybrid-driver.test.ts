import test from 'ava';
import type Database from 'better-sqlite3';
import { isPoolError } from '../../../core/errors/errors.js';
import { type Pool } from '../../../core/pool.js';
import { createPool } from '../../../create-pool.js';
import { SLOW_START_MS, tempDir } from '../../../test/helpers.js';
import { hybridDriver, type HybridDriver } from './hybrid-driver.js';
import { liveThreads } from '../../../test/live-threads.js';

/**
 * Some hundred thousand rows made up on the fly: far past any offload threshold on any machine,
 * without a table to fill. The tests read which side ran it from the driver's counters.
 */
const HEAVY = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
  SELECT COUNT(*) AS c FROM n`;

async function hybridPool(offloadThresholdMs: number): Promise<{ pool: Pool; driver: HybridDriver }> {
  const driver = hybridDriver({ filename: tempDir('roas-hybrid-').file(), offloadThresholdMs });
  const pool = createPool({ driver, max: 4, acquireTimeoutMs: SLOW_START_MS });
  await pool.write((db) => db.exec('CREATE TABLE xp (id INTEGER PRIMARY KEY, user TEXT, points INTEGER)'));
  await driver.ready();
  return { pool, driver };
}

test('threads: true picks the hybrid driver, whose leases keep the inline raw handle', async (t) => {
  const pool = createPool({ filename: tempDir('roas-hybrid-').file(), threads: true });
  t.is(pool.driver.name, 'better-sqlite3-hybrid');
  await pool.write((db) => {
    const raw = db.raw as Database.Database;
    t.deepEqual(raw.prepare('SELECT 41 + 1 AS n').get(), { n: 42 });
  });
  await pool.close();
});

test('threads start at the first read worth one, which waits for its thread instead of running inline', async (t) => {
  const filename = tempDir('roas-hybrid-').file();
  const cheap = hybridDriver({ filename, offloadThresholdMs: 3_600_000 });
  const points = createPool({ driver: cheap, max: 4 });
  for (let i = 0; i < 10; i++) t.deepEqual(await points.read((db) => db.get('SELECT ? AS v', [i])), { v: i });
  t.is(liveThreads(cheap.host).length, 0, 'a bot of point reads never starts a thread');
  await points.close();
  const eager = hybridDriver({ filename, offloadThresholdMs: 0 });
  const pool = createPool({ driver: eager, max: 4, acquireTimeoutMs: SLOW_START_MS });
  t.deepEqual(await pool.read((db) => db.get('SELECT 7 AS v')), { v: 7 });
  t.deepEqual(eager.routed(), { inline: 0, offloaded: 1 });
  await pool.close();
});

test('a statement that ran long goes to a thread from its second run', async (t) => {
  const { pool, driver } = await hybridPool(1);
  await pool.read((db) => db.get(HEAVY));
  t.deepEqual(driver.routed().offloaded, 0, 'the first run is inline, and measured');
  const row = await pool.read((db) => db.get<{ c: number }>(HEAVY));
  t.is(row?.c, 300_000);
  t.is(driver.routed().offloaded, 1);
  await pool.close();
});

test('a caller picks the side of one read with { offload }', async (t) => {
  const { pool, driver } = await hybridPool(3_600_000);
  const row = await pool.read((db) => db.get<{ v: number }>('SELECT ? AS v', [7], { offload: true }));
  t.deepEqual(row, { v: 7 });
  t.is(driver.routed().offloaded, 1, 'a cheap read went to a thread when asked');
  await pool.read((db) => db.all('SELECT ? AS v', [7], { offload: false }));
  await pool.read((db) =>
    db
      .all("UPDATE xp SET points = 0 WHERE user = 'none' RETURNING id", [], { offload: true })
      .catch(() => []),
  );
  t.is(driver.routed().offloaded, 1, 'inline when asked, and a write never leaves the main thread');
  await pool.close();
});

test('inside a transaction every statement runs inline, on the transaction snapshot', async (t) => {
  const { pool, driver } = await hybridPool(0);
  await pool.write((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['ann', 1]));
  const before = driver.routed().offloaded;
  const seen = await pool.transaction(async (tx) => {
    await tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['bob', 2]);
    return tx.all<{ user: string }>('SELECT user FROM xp ORDER BY id');
  });
  t.deepEqual(
    seen.map((r) => r.user),
    ['ann', 'bob'],
  );
  t.is(driver.routed().offloaded, before);
  const after = await pool.read((db) => db.all<{ user: string }>('SELECT user FROM xp ORDER BY id'));
  t.is(after.length, 2, 'a thread reader sees every commit made before the read was sent');
  t.is(driver.routed().offloaded, before + 1);
  await pool.close();
});

test('a write sent after a read on the same lease runs after it, as inline', async (t) => {
  const { pool, driver } = await hybridPool(0);
  const [count] = await pool.write((db) =>
    Promise.all([
      db.get<{ n: number }>('SELECT COUNT(*) AS n FROM xp'),
      db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['cat', 3]),
    ]),
  );
  t.is(driver.routed().offloaded, 1);
  t.is(count?.n, 0, 'the read went to a thread and still ran before the write');
  await pool.close();
});

test('the lease runs a statement through sync, without a promise hop, only when it runs inline now', async (t) => {
  const { pool, driver } = await hybridPool(1);
  const conn = await driver.open('writer');
  const cheap = 'SELECT 1 AS one';
  t.true(conn.syncServes?.('get', cheap), 'a statement never seen runs inline');
  t.deepEqual(conn.sync?.get(HEAVY), { c: 300_000 }, 'measured as it runs');
  t.false(conn.syncServes?.('get', HEAVY), 'a read measured past the threshold goes to a thread');
  t.true(conn.syncServes?.('get', cheap));
  t.true(conn.syncServes?.('run', 'INSERT INTO xp (user, points) VALUES (1, 1)'));
  const out = conn.get(HEAVY);
  t.false(conn.syncServes?.('get', cheap), 'nothing runs inline while a read is out on a thread');
  t.false(conn.syncServes?.('run', 'INSERT INTO xp (user, points) VALUES (1, 1)'));
  t.deepEqual(await out, { c: 300_000 });
  t.true(conn.syncServes?.('get', cheap));
  await conn.exec('BEGIN');
  t.true(conn.syncServes?.('get', HEAVY), 'inside a transaction every statement runs inline');
  await conn.exec('ROLLBACK');
  t.is(driver.routed().offloaded, 1);
  await conn.close();
  await pool.close();
});

test('a reader thread that dies fails only its reads, loses no write, and reads go on', async (t) => {
  const { pool, driver } = await hybridPool(0);
  await pool.write((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['kept', 1]));
  const inFlight = pool.read((db) => db.get(HEAVY));
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all(liveThreads(driver.host).map((link) => link.terminate()));
  const err = await inFlight.catch((e: unknown) => e);
  t.true(isPoolError(err, 'CONNECTION_LOST'));
  t.regex((err as Error).message, /no write in flight: nothing was lost/);
  // While the threads start again, reads run inline; writes never left the main thread.
  await pool.write((db) => db.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['after', 2]));
  const users = await pool.read((db) => db.all<{ user: string }>('SELECT user FROM xp ORDER BY id'));
  t.deepEqual(
    users.map((u) => u.user),
    ['kept', 'after'],
  );
  t.is(pool.stats().failed, 0, 'no pool connection was lost');
  await driver.ready();
  const offloaded = driver.routed().offloaded;
  t.is((await pool.read((db) => db.get<{ c: number }>(HEAVY)))?.c, 300_000);
  t.is(driver.routed().offloaded, offloaded + 1, 'the restarted thread serves reads again');
  await pool.close();
});
