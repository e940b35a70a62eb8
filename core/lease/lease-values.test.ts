import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../../create-pool.js';
import { isPoolError } from '../errors/errors.js';

function tempPool() {
  const dir = mkdtempSync(join(tmpdir(), 'roas-values-'));
  const pool = createPool({ filename: join(dir, 'bot.db') });
  return { pool, cleanup: async () => (await pool.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('values() keeps columns that share a name, in column order', async (t) => {
  const { pool, cleanup } = tempPool();
  await pool.write((db) =>
    db.exec("CREATE TABLE a (id INTEGER, name TEXT); INSERT INTO a VALUES (1, 'x'), (2, 'y')"),
  );
  const rows = await pool.read((db) =>
    db.values('SELECT a.id, b.id, a.name FROM a JOIN a AS b ON b.id = a.id + 1'),
  );
  t.deepEqual(rows, [[1, 2, 'x']]);
  // The cached statement is back in object mode for the next all().
  const objects = await pool.read((db) =>
    db.all('SELECT a.id, b.id, a.name FROM a JOIN a AS b ON b.id = a.id + 1'),
  );
  t.deepEqual(objects, [{ id: 2, name: 'x' }]);
  await cleanup();
});

test('values() rejects a statement that returns no data and leaves the lease usable', async (t) => {
  const { pool, cleanup } = tempPool();
  await pool.write(async (db) => {
    await db.exec('CREATE TABLE a (id INTEGER)');
    await t.throwsAsync(db.values('INSERT INTO a VALUES (1)'));
    t.deepEqual(await db.values('SELECT count(*) FROM a'), [[0]]);
  });
  await cleanup();
});

test('isReadonly() tells a query from a write without running it', async (t) => {
  const { pool, cleanup } = tempPool();
  await pool.write((db) => db.exec('CREATE TABLE a (id INTEGER)'));
  await pool.read(async (db) => {
    t.true(await db.isReadonly('SELECT id FROM a'));
    t.false(await db.isReadonly('INSERT INTO a VALUES (1)'));
  });
  t.is((await pool.read((db) => db.get<{ n: number }>('SELECT count(*) AS n FROM a')))?.n, 0);
  await cleanup();
});

test('values() after release rejects LEASE_RELEASED', async (t) => {
  const { pool, cleanup } = tempPool();
  const lease = await pool.acquire();
  lease.release();
  t.true(isPoolError(await t.throwsAsync(() => lease.values('SELECT 1')), 'LEASE_RELEASED'));
  await cleanup();
});
