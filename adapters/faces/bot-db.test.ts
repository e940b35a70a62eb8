import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { AcquireOptions, Pool } from '../../core/pool.js';
import { createPool } from '../../create-pool.js';
import { createBotDb, type BotDbPool } from './bot-db.js';
import { leaseForSql } from './statement-lane.js';

async function withPool(t: { teardown(fn: () => Promise<void>): void }): Promise<Pool> {
  const dir = await mkdtemp(join(tmpdir(), 'roas-botdb-'));
  const pool = createPool({ filename: join(dir, 'bot.db'), max: 4 });
  t.teardown(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });
  await pool.write((db) => db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, xp INTEGER NOT NULL)'));
  return pool;
}

test('sends writes to the write lane and reads to the readers, as SQLite classifies them', async (t) => {
  const pool = await withPool(t);
  const db = createBotDb(pool);
  // A write on a reader connection would fail with READ_ONLY_LEASE: this one must take the write lane.
  t.is((await db.run('INSERT INTO users (id, xp) VALUES (?, ?)', [1, 10])).changes, 1);
  t.is((await db.run('INSERT INTO users (id, xp) VALUES (?, ?)', [2, 20])).changes, 1);
  const writer = await pool.acquire({ mode: 'write' });
  try {
    // With the write lane held, reads still complete: they run on reader connections.
    t.deepEqual(await db.get('SELECT xp FROM users WHERE id = ?', [2]), { xp: 20 });
    t.deepEqual(await db.all('SELECT id FROM users ORDER BY id'), [{ id: 1 }, { id: 2 }]);
    t.is(pool.stats().waitingWrite, 0);
  } finally {
    writer.release();
  }
  t.is(pool.stats().leased, 0);
});

test('commits a transaction that awaits between statements, and rolls back one that throws', async (t) => {
  const pool = await withPool(t);
  const db = createBotDb(pool);
  await db.transaction(async (tx) => {
    await tx.run('INSERT INTO users (id, xp) VALUES (1, 5)');
    await new Promise((resolve) => setImmediate(resolve));
    await tx.run('UPDATE users SET xp = xp + 1 WHERE id = 1');
  });
  await t.throwsAsync(
    db.transaction(async (tx) => {
      await tx.run('UPDATE users SET xp = 100 WHERE id = 1');
      throw new Error('abandon');
    }),
    { message: 'abandon' },
  );
  t.deepEqual(await db.get('SELECT xp FROM users WHERE id = 1'), { xp: 6 });
  t.is(pool.stats().leased, 0);
});

test('reports a statement error to the caller and keeps no lease', async (t) => {
  const pool = await withPool(t);
  const db = createBotDb(pool);
  await t.throwsAsync(db.get('SELECT nope FROM users'), { any: true, message: /no such column/ });
  await db.run('INSERT INTO users (id, xp) VALUES (1, 1)');
  await t.throwsAsync(db.run('INSERT INTO users (id, xp) VALUES (1, 1)'), {
    any: true,
    code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  });
  t.is(pool.stats().leased, 0);
});

test('routes through the one lane router: what the facade learned, leaseForSql knows for the same pool', async (t) => {
  const pool = await withPool(t);
  const modes: string[] = [];
  const watched: BotDbPool & Pick<Pool, 'driver'> = {
    acquire: (options?: AcquireOptions) => {
      modes.push(options?.mode ?? 'read');
      return pool.acquire(options);
    },
    transaction: (fn, options) => pool.transaction(fn, options),
    driver: pool.driver,
  };
  const db = createBotDb(watched);
  const insert = 'INSERT INTO users (id, xp) VALUES (?, ?)';
  await db.run(insert, [1, 10]);
  t.deepEqual(
    modes,
    ['read', 'write'],
    'a first write is asked about on a read lease, then takes the write lane',
  );
  modes.length = 0;
  const lease = await leaseForSql(watched, insert);
  lease.release();
  t.is(lease.mode, 'write');
  t.deepEqual(modes, ['write'], 'the router remembered the answer: no read lease this time');
});
