import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createPool } from '../index.js';
import { tempDir } from './helpers.js';
import { awaitingTransactions } from './workloads.js';

const run = promisify(execFile);

for (const threads of [false, 'all', 'hybrid'] as const) {
  test(`${threads ? `worker threads (${threads})` : 'inline'}: 50 workers run 200 awaiting write transactions each with zero errors and every row present`, async (t) => {
    const tmp = tempDir();
    const pool = createPool({ filename: tmp.file(), acquireTimeoutMs: 60_000, threads });
    await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, i INT)'));
    const { errors, partial, reads } = await awaitingTransactions(pool, {
      workers: 50,
      perWorker: 200,
      insertSql: 'INSERT INTO t (w, i) VALUES (?, ?)',
      pause: () => sleep(0),
    });
    t.deepEqual(errors, []);
    t.deepEqual(
      await pool.read((db) => db.get('SELECT count(*) AS n, count(DISTINCT w) AS workers FROM t')),
      {
        n: 50 * 200 * 2,
        workers: 50,
      },
    );
    t.is(partial, 0);
    t.true(reads > 0);
    await pool.close();
    tmp.cleanup();
  });
}

test('4 processes, each with its own pool, write to one file with zero errors and nothing lost', async (t) => {
  const tmp = tempDir();
  const file = tmp.file();
  const setupPool = createPool({ filename: file });
  await setupPool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, i INT)'));
  await setupPool.close();
  const child = fileURLToPath(new URL('./fixtures/writer-process.ts', import.meta.url));
  const perProcess = 300;
  const results = await Promise.all(
    [0, 1, 2, 3].map((shard) =>
      run(process.execPath, ['--import', 'tsx', child, file, String(shard), String(perProcess)], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      }),
    ),
  );
  const reports = results.map((r) => JSON.parse(r.stdout) as { committed: number; errors: string[] });
  t.deepEqual(
    reports.map((r) => r.errors),
    [[], [], [], []],
  );
  const pool = createPool({ filename: file });
  t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n, count(DISTINCT w) AS shards FROM t')), {
    n: 4 * perProcess * 2,
    shards: 4,
  });
  await pool.close();
  tmp.cleanup();
});
