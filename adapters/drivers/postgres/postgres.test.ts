import test from 'ava';
import { createServer, type Server } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { type Pool } from '../../../core/pool.js';
import { createPool } from '../../../create-pool.js';
import { isPoolError } from '../../../core/errors/errors.js';
import { freePort } from '../../../scripts/pg-server.js';
import { awaitingTransactions } from '../../../test/workloads.js';
import { postgresUnavailable, startPostgres, type TestDatabase } from '../../../test/pg-server.js';
import {
  POSTGRES_STATS_TABLE_SQL,
  isSerializationFailure,
  postgresDriver,
  retrySerializationFailures,
} from '../../../postgres.js';

const unavailable = postgresUnavailable();
let db: TestDatabase;
const pools: Pool[] = [];

function pool(options: Parameters<typeof postgresDriver>[0] = {}, max = 10): Pool {
  const p = createPool({ driver: postgresDriver({ connectionString: db.url, ...options }), max });
  pools.push(p);
  return p;
}

/** Waits, turn by turn, until `done()` holds; bounded by turns, not by the wall clock. */
async function until(done: () => boolean | Promise<boolean>, turns = 5000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

if (unavailable) {
  console.log(unavailable);
  test.skip(unavailable, () => undefined);
} else {
  test.before(async () => {
    db = await startPostgres();
  });
  test.after.always(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await db?.stop();
  });

  test.serial('reads, writes, commits and rolls back', async (t) => {
    const p = pool();
    await p.write((w) => w.exec('CREATE TABLE xp (user_id int PRIMARY KEY, points int NOT NULL)'));
    const r = await p.write((w) => w.run('INSERT INTO xp VALUES ($1, $2), ($3, $4)', [1, 10, 2, 20]));
    t.deepEqual(r, { changes: 2, lastInsertRowid: undefined });
    await p.transaction(async (tx) => {
      t.true(tx.inTransaction);
      await tx.run('UPDATE xp SET points = points - 5 WHERE user_id = $1', [1]);
      await tx.run('UPDATE xp SET points = points + 5 WHERE user_id = $1', [2]);
    });
    await t.throwsAsync(
      p.transaction(async (tx) => {
        await tx.run('UPDATE xp SET points = 0');
        throw new Error('changed my mind');
      }),
      { message: 'changed my mind' },
    );
    const rows = await p.read((r) => r.all('SELECT user_id, points FROM xp ORDER BY user_id'));
    t.deepEqual(rows, [
      { user_id: 1, points: 5 },
      { user_id: 2, points: 25 },
    ]);
    t.is(await p.read((r) => r.get<{ n: number }>('SELECT count(*) AS n FROM xp')).then((x) => x?.n), 2);
  });

  test.serial('translates question marks only when asked', async (t) => {
    const q = pool({ placeholders: 'question' });
    t.deepEqual(await q.read((r) => r.get("SELECT ?::int + ?::int AS n, '?' AS s", [1, 2])), {
      n: 3,
      s: '?',
    });
    const native = pool();
    await t.throwsAsync(
      native.read((r) => r.get('SELECT ?::int AS n', [1])),
      { message: /syntax error/ },
    );
    await t.throwsAsync(
      native.read((r) => r.get('SELECT $1::int', { a: 1 })),
      { message: /named parameters/ },
    );
  });

  // The core's integration test (test/integration.test.ts) in PostgreSQL mode, 20 rounds a worker.
  test.serial('50 workers run awaiting transactions with zero errors and every row present', async (t) => {
    const p = pool({}, 20);
    await p.write((w) => w.exec('CREATE TABLE t (id serial PRIMARY KEY, w int, i int)'));
    const { errors, partial, reads } = await awaitingTransactions(p, {
      workers: 50,
      perWorker: 20,
      insertSql: 'INSERT INTO t (w, i) VALUES ($1, $2)',
      pause: tick,
    });
    t.deepEqual(errors, []);
    t.deepEqual(await p.read((r) => r.get('SELECT count(*) AS n, count(DISTINCT w) AS workers FROM t')), {
      n: 50 * 20 * 2,
      workers: 50,
    });
    t.is(partial, 0);
    t.true(reads > 0);
    const stats = p.stats();
    t.is(stats.leasedWrite, 0, 'no write lane: every connection is equal');
    t.like(stats, { leased: 0, waiting: 0, timeouts: 0, failed: 0, statementErrors: 0 });
    t.is(stats.acquired, stats.released);
    t.true(stats.total > 1 && stats.total <= 20, `${stats.total} connections`);
  });

  test.serial('classifies serialization failures and retries the whole transaction when asked', async (t) => {
    const p = pool({ isolationLevel: 'serializable' });
    await p.write((w) => w.exec('CREATE TABLE acct (n int); INSERT INTO acct VALUES (0)'));
    // Both transactions read before either writes, so the second writer must fail with 40001.
    const racingBumps = (): [() => Promise<void>, () => Promise<void>] => {
      let arrived = 0;
      let open!: () => void;
      const barrier = new Promise<void>((resolve) => (open = resolve));
      const bump = () => {
        let first = true;
        return () =>
          p.transaction(async (tx) => {
            const row = await tx.get<{ n: number }>('SELECT n FROM acct');
            if (first) {
              first = false;
              if (++arrived === 2) open();
              await barrier;
            }
            await tx.run('UPDATE acct SET n = $1', [(row?.n ?? 0) + 1]);
          });
      };
      return [bump(), bump()];
    };
    const [x, y] = racingBumps();
    const failed = (await Promise.allSettled([x(), y()])).filter((r) => r.status === 'rejected');
    t.is(failed.length, 1);
    t.true(isSerializationFailure((failed[0] as PromiseRejectedResult).reason));
    t.is(p.stats().failed, 0, 'a serialization failure leaves the connection in service');
    const [u, v] = racingBumps();
    await Promise.all([retrySerializationFailures(u), retrySerializationFailures(v)]);
    t.deepEqual(await p.read((r) => r.get('SELECT n FROM acct')), { n: 3 });
  });

  test.serial(
    'fails the request in flight when its backend is killed, then replaces the connection',
    async (t) => {
      const p = pool({}, 2);
      const victim = await p.acquire({ mode: 'write' });
      const pid = (await victim.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid;
      const inFlight = victim.get('SELECT pg_sleep(60)');
      await p.read(async (admin) => {
        await until(async () =>
          Boolean(
            await admin.get("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%'", [
              pid,
            ]),
          ),
        );
        await admin.get('SELECT pg_terminate_backend($1)', [pid]);
      });
      const err = await t.throwsAsync(inFlight);
      t.true(isPoolError(err, 'CONNECTION_LOST'), String(err));
      t.is((err?.cause as { code?: string }).code, '57P01');
      victim.release();
      const after = await p.read((r) => r.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
      t.not(after?.pid, pid);
      t.true(p.stats().failed >= 1);
    },
  );

  test.serial('replaces an idle connection whose backend was killed', async (t) => {
    const p = pool({}, 2);
    const [a, b] = await Promise.all([p.acquire(), p.acquire()]);
    const pid = (await a.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid;
    a.release();
    await b.get('SELECT pg_terminate_backend($1)', [pid]);
    b.release();
    await until(() => p.stats().failed === 1);
    const pids = await Promise.all(
      [1, 2].map(() => p.read((r) => r.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))),
    );
    t.false(pids.some((row) => row?.pid === pid));
  });

  test.serial('retires connections after their max lifetime and replaces them', async (t) => {
    const p = pool({ maxLifetimeMs: 100 }, 2);
    const first = await p.read((r) => r.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
    // A retirement is a replacement (the connection is closed, not failed): see also
    // test/fault-pg-lifetime.test.ts.
    await until(() => p.stats().destroyed >= 1);
    const next = await p.read((r) => r.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
    t.not(next?.pid, first?.pid);
    t.is(p.stats().statementErrors, 0, 'nobody saw an error');
    t.is(p.stats().failed, 0, 'a retirement is no failure');
  });

  test.serial('creates the monitoring table only if missing', async (t) => {
    const p = pool();
    await p.write((w) => w.exec(POSTGRES_STATS_TABLE_SQL));
    await p.write((w) => w.run('INSERT INTO connection_pool_stats (active_connections) VALUES ($1)', [3]));
    await p.write((w) => w.exec(POSTGRES_STATS_TABLE_SQL));
    const row = await p.read((r) => r.get<Record<string, unknown>>('SELECT * FROM connection_pool_stats'));
    t.deepEqual(Object.keys(row ?? {}), [
      'id',
      'timestamp',
      'active_connections',
      'max_connections',
      'wait_time_ms',
      'error_count',
    ]);
    t.true(row?.timestamp instanceof Date);
  });

  test.serial('writes stats snapshots into the monitoring table through the pool', async (t) => {
    const p = createPool({
      driver: postgresDriver({ connectionString: db.url }),
      statsTable: { intervalMs: 20, retentionMs: 60_000 },
    });
    pools.push(p);
    await p.read((r) => r.get('SELECT 1'));
    const count = async () =>
      Number(
        (await p.read((r) => r.get<{ n: string }>('SELECT count(*) AS n FROM connection_pool_stats')))?.n ??
          0,
      );
    await until(async () => {
      try {
        return (await count()) >= 2;
      } catch {
        return false; // the table appears with the first snapshot
      }
    });
    const row = await p.read((r) =>
      r.get<Record<string, unknown>>('SELECT * FROM connection_pool_stats ORDER BY id DESC LIMIT 1'),
    );
    t.is(row?.max_connections, 20);
    t.true(row?.timestamp instanceof Date);
    t.is(p.stats().snapshotFailures, 0);
  });

  test.serial('rejects acquire with CONNECTION_FAILED and the cause when nothing listens', async (t) => {
    const port = await freePort();
    const p = createPool({ driver: postgresDriver({ host: '127.0.0.1', port, user: 'postgres' }), max: 4 });
    pools.push(p);
    const err = await t.throwsAsync(p.acquire());
    t.true(isPoolError(err, 'CONNECTION_FAILED'), String(err));
    t.is((err?.cause as { code?: string }).code, 'ECONNREFUSED');
  });

  test.serial('rejects acquire instead of hanging when the server accepts but never answers', async (t) => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const p = createPool({
      driver: postgresDriver({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 200 }),
      max: 2,
      acquireTimeoutMs: 60_000,
    });
    pools.push(p);
    const err = await t.throwsAsync(p.acquire());
    t.true(isPoolError(err, 'CONNECTION_FAILED'), String(err));
    t.regex(String((err?.cause as Error).message), /timeout/i);
    silent.close();
  });

  // Last: it stops the server. A shared server (DATABASE_URL) is not ours to stop.
  (process.env.DATABASE_URL ? test.serial.skip : test.serial)(
    'rejects acquire with the cause after the server stops',
    async (t) => {
      const p = pool({}, 2);
      t.deepEqual(await p.read((r) => r.get('SELECT 1 AS one')), { one: 1 });
      await db.kill?.();
      await until(() => p.stats().total === 0);
      const err = await t.throwsAsync(p.acquire());
      t.true(isPoolError(err, 'CONNECTION_FAILED'), String(err));
      t.is((err?.cause as { code?: string }).code, 'ECONNREFUSED');
    },
  );
}
