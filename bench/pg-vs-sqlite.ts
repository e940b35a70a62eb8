/**
 * A bot-like mix (80% point reads, 15% single-row writes, 5% two-statement transactions that
 * await between statements) on roas-pool over SQLite, roas-pool over PostgreSQL, and
 * node-postgres's own pg.Pool, at several worker counts, in one process or split across shard
 * processes. A benchmark, not a test: it reports, it asserts nothing.
 *
 *   npx tsx bench/pg-vs-sqlite.ts [--duration 3000] [--workers 10,20,50] [--shards 1,4] [--max 20]
 *
 * PostgreSQL: `DATABASE_URL`, or else a throwaway server started for the run (scripts/pg-server.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { createPool, type Pool } from '../index.js';
import { postgresDriver, questionToDollar } from '../adapters/drivers/postgres/postgres.js';
import { startPostgresServer } from '../scripts/pg-server.js';
import { percentile } from './report.js';

const BACKENDS = ['roas-pool sqlite', 'roas-pool postgres', 'pg.Pool'] as const;
type BackendName = (typeof BACKENDS)[number];
const USERS = 1000;

/** The three kinds of op of the mix; each resolves to the time it waited for a connection (ms). */
interface Backend {
  read(id: number): Promise<number>;
  write(id: number): Promise<number>;
  tx(id: number): Promise<number>;
  close(): Promise<void>;
}

function roasBackend(pool: Pool, dollar: boolean): Backend {
  const p = (sql: string) => (dollar ? questionToDollar(sql) : sql);
  const READ = p('SELECT points FROM xp WHERE user_id = ?');
  const WRITE = p('UPDATE xp SET points = points + 1 WHERE user_id = ?');
  const MSG = p('INSERT INTO messages (user_id, content) VALUES (?, ?)');
  const timed = async (
    mode: 'read' | 'write',
    fn: (l: Awaited<ReturnType<Pool['acquire']>>) => Promise<unknown>,
  ) => {
    const t0 = performance.now();
    const lease = await pool.acquire({ mode });
    const wait = performance.now() - t0;
    try {
      await fn(lease);
    } finally {
      lease.release();
    }
    return wait;
  };
  return {
    read: (id) => timed('read', (l) => l.get(READ, [id])),
    write: (id) => timed('write', (l) => l.run(WRITE, [id])),
    tx: (id) =>
      timed('write', async (l) => {
        await l.exec(pool.driver.beginWrite);
        try {
          await l.run(MSG, [id, 'gg']);
          await tick();
          await l.run(WRITE, [id]);
          await l.exec('COMMIT');
        } catch (err) {
          if (l.inTransaction) await l.exec('ROLLBACK');
          throw err;
        }
      }),
    close: () => pool.close(),
  };
}

function pgPoolBackend(url: string, max: number): Backend {
  const pool = new pg.Pool({ connectionString: url, max });
  const timed = async (fn: (c: pg.PoolClient) => Promise<unknown>) => {
    const t0 = performance.now();
    const client = await pool.connect();
    const wait = performance.now() - t0;
    try {
      await fn(client);
      client.release();
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return wait;
  };
  return {
    read: (id) => timed((c) => c.query('SELECT points FROM xp WHERE user_id = $1', [id])),
    write: (id) => timed((c) => c.query('UPDATE xp SET points = points + 1 WHERE user_id = $1', [id])),
    tx: (id) =>
      timed(async (c) => {
        await c.query('BEGIN');
        try {
          await c.query('INSERT INTO messages (user_id, content) VALUES ($1, $2)', [id, 'gg']);
          await tick();
          await c.query('UPDATE xp SET points = points + 1 WHERE user_id = $1', [id]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
      }),
    close: () => pool.end(),
  };
}

function open(name: BackendName, target: string, max: number): Backend {
  if (name === 'pg.Pool') return pgPoolBackend(target, max);
  if (name === 'roas-pool sqlite')
    return roasBackend(createPool({ filename: target, max, acquireTimeoutMs: 30_000 }), false);
  return roasBackend(
    createPool({ driver: postgresDriver({ connectionString: target }), max, acquireTimeoutMs: 30_000 }),
    true,
  );
}

async function prepare(name: BackendName, target: string): Promise<void> {
  const sqlite = name === 'roas-pool sqlite';
  const pool = sqlite
    ? createPool({ filename: target })
    : createPool({ driver: postgresDriver({ connectionString: target }) });
  const id = sqlite ? 'INTEGER PRIMARY KEY' : 'serial PRIMARY KEY';
  await pool.write((w) =>
    w.exec(
      `DROP TABLE IF EXISTS xp; DROP TABLE IF EXISTS messages;
       CREATE TABLE xp (user_id int PRIMARY KEY, points int NOT NULL DEFAULT 0);
       CREATE TABLE messages (id ${id}, user_id int NOT NULL, content text);
       INSERT INTO xp (user_id) SELECT * FROM ${sqlite ? `(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${USERS}) SELECT n FROM s)` : `generate_series(1, ${USERS})`};`,
    ),
  );
  await pool.close();
}

interface Sample {
  ops: number;
  errors: number;
  errorKinds: Record<string, number>;
  latencyMs: number[];
  waitMs: number[];
  elapsedMs: number;
}

async function drive(backend: Backend, workers: number, durationMs: number): Promise<Sample> {
  const s: Sample = { ops: 0, errors: 0, errorKinds: {}, latencyMs: [], waitMs: [], elapsedMs: 0 };
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const id = 1 + Math.floor(Math.random() * USERS);
        const r = Math.random();
        const t0 = performance.now();
        try {
          s.waitMs.push(await (r < 0.8 ? backend.read(id) : r < 0.95 ? backend.write(id) : backend.tx(id)));
          s.latencyMs.push(performance.now() - t0);
          s.ops++;
        } catch (err) {
          s.errors++;
          const kind = String((err as { code?: string }).code ?? (err as Error).message);
          s.errorKinds[kind] = (s.errorKinds[kind] ?? 0) + 1;
        }
      }
    }),
  );
  s.elapsedMs = performance.now() - start;
  return s;
}

const run = promisify(execFile);
const here = fileURLToPath(import.meta.url);

async function sharded(
  name: BackendName,
  target: string,
  workers: number,
  shards: number,
  max: number,
  durationMs: number,
): Promise<Sample> {
  const per = Math.ceil(workers / shards);
  const perMax = Math.max(2, Math.floor(max / shards));
  const outs = await Promise.all(
    Array.from({ length: shards }, () =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          here,
          '--child',
          name,
          '--target',
          target,
          '--workers',
          String(per),
          '--max',
          String(perMax),
          '--duration',
          String(durationMs),
        ],
        {
          maxBuffer: 256 * 1024 * 1024,
        },
      ),
    ),
  );
  const parts = outs.map((o) => JSON.parse(o.stdout) as Sample);
  const merged: Sample = { ops: 0, errors: 0, errorKinds: {}, latencyMs: [], waitMs: [], elapsedMs: 0 };
  for (const p of parts) {
    merged.ops += p.ops;
    merged.errors += p.errors;
    for (const [k, n] of Object.entries(p.errorKinds)) merged.errorKinds[k] = (merged.errorKinds[k] ?? 0) + n;
    merged.latencyMs.push(...p.latencyMs);
    merged.waitMs.push(...p.waitMs);
    merged.elapsedMs = Math.max(merged.elapsedMs, p.elapsedMs);
  }
  return merged;
}

function pct(values: number[], p: number): number {
  return percentile(Float64Array.from(values).sort(), p);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '3000' },
      workers: { type: 'string', default: '10,20,50' },
      shards: { type: 'string', default: '1,4' },
      max: { type: 'string', default: '20' },
      child: { type: 'string' },
      target: { type: 'string' },
    },
  });
  const durationMs = Number(values.duration);
  const max = Number(values.max);
  if (values.child) {
    const backend = open(values.child as BackendName, String(values.target), max);
    const sample = await drive(backend, Number(values.workers), durationMs);
    await backend.close();
    process.stdout.write(JSON.stringify(sample));
    return;
  }
  const server = process.env.DATABASE_URL ? undefined : await startPostgresServer();
  const url = server?.url ?? process.env.DATABASE_URL ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'roas-bench-'));
  const file = join(dir, 'bot.db');
  const rows: string[] = [
    '| backend | shards × workers | ops/s | errors | p50 ms | p95 ms | p99 ms | acquire wait p95 ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  try {
    for (const shards of String(values.shards).split(',').map(Number))
      for (const workers of String(values.workers).split(',').map(Number))
        for (const name of BACKENDS) {
          const target = name === 'roas-pool sqlite' ? file : url;
          await prepare(name, target);
          let s: Sample;
          if (shards > 1) s = await sharded(name, target, workers, shards, max, durationMs);
          else {
            const backend = open(name, target, max);
            s = await drive(backend, workers, durationMs);
            await backend.close();
          }
          const f = (n: number) => n.toFixed(2);
          const kinds = Object.keys(s.errorKinds).length ? ` ${JSON.stringify(s.errorKinds)}` : '';
          const label = shards > 1 ? `${shards} × ${Math.ceil(workers / shards)}` : `1 × ${workers}`;
          rows.push(
            `| ${name} | ${label} | ${Math.round((s.ops / s.elapsedMs) * 1000)} | ${s.errors}${kinds} | ${f(pct(s.latencyMs, 50))} | ${f(pct(s.latencyMs, 95))} | ${f(pct(s.latencyMs, 99))} | ${f(pct(s.waitMs, 95))} |`,
          );
          process.stderr.write(`${rows[rows.length - 1]}\n`);
        }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server?.stop();
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
