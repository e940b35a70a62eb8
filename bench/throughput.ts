/**
 * Point-SELECT throughput at 20 and 50 workers, and uncontended acquire+release cost, for
 * roas-pool against one shared connection, tarn and generic-pool, all over better-sqlite3 with the
 * same prepared-statement reuse. A benchmark, not a test: it reports, it asserts nothing.
 *
 *   npx tsx bench/throughput.ts [--duration 2000] [--workers 20,50] [--json out.json]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPool } from '../index.js';
import { peerPools } from './peers.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '20,50' },
    json: { type: 'string' },
  },
});
const durationMs = Number(values.duration);
const workerCounts = String(values.workers).split(',').map(Number);
const MAX = 20;
const ROWS = 10_000;
const SQL = 'SELECT id, name, points FROM users WHERE id = ?';

type Statement = Database.Statement<unknown[], unknown>;
interface Contender {
  name: string;
  /** One point select through the contender, from acquire to release. */
  op(id: number): Promise<unknown>;
  /** Acquire and release with no statement: the pool's own cost. */
  cycle(): Promise<void>;
  close(): Promise<void>;
}

function open(file: string): { db: Database.Database; stmt: Statement } {
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return { db, stmt: db.prepare(SQL) };
}

function contenders(file: string): Contender[] {
  const pool = createPool({ filename: file, max: MAX });
  const shared = open(file);
  const { tarn, generic } = peerPools(
    () => open(file),
    (c) => c.db.close(),
    MAX,
  );
  return [
    {
      name: 'roas-pool',
      op: (id) => pool.read((db) => db.get(SQL, [id])),
      cycle: async () => (await pool.acquire()).release(),
      close: () => pool.close(),
    },
    {
      name: 'shared connection',
      op: async (id) => shared.stmt.get(id),
      cycle: async () => undefined,
      close: async () => void shared.db.close(),
    },
    {
      name: 'tarn',
      op: async (id) => {
        const c = await tarn.acquire().promise;
        try {
          return c.stmt.get(id);
        } finally {
          tarn.release(c);
        }
      },
      cycle: async () => void tarn.release(await tarn.acquire().promise),
      close: async () => void (await tarn.destroy()),
    },
    {
      name: 'generic-pool',
      op: async (id) => {
        const c = await generic.acquire();
        try {
          return c.stmt.get(id);
        } finally {
          await generic.release(c);
        }
      },
      cycle: async () => void (await generic.release(await generic.acquire())),
      close: async () => {
        await generic.drain();
        await generic.clear();
      },
    },
  ];
}

async function throughput(c: Contender, workers: number): Promise<number> {
  let ops = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let id = w;
      while (performance.now() < end) {
        await c.op((id = (id * 7919 + 1) % ROWS) + 1);
        ops++;
      }
    }),
  );
  return ops / (durationMs / 1000);
}

async function cycleMicros(c: Contender, n = 200_000): Promise<number> {
  for (let i = 0; i < 10_000; i++) await c.cycle();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await c.cycle();
  return ((performance.now() - t0) * 1000) / n;
}

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-'));
const file = join(dir, 'bench.db');
const seed = new Database(file);
seed.pragma('journal_mode = WAL');
seed.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, points INT)');
const insert = seed.prepare('INSERT INTO users (name, points) VALUES (?, ?)');
seed.transaction(() => {
  for (let i = 0; i < ROWS; i++) insert.run(`user${i}`, i);
})();
seed.close();

const rows: Record<string, string | number>[] = [];
for (const c of contenders(file)) {
  await throughput(c, 20); // warm up: open connections, JIT
  const row: Record<string, string | number> = { contender: c.name };
  for (const w of workerCounts) row[`ops/s @${w}`] = Math.round(await throughput(c, w));
  row['acquire+release µs'] =
    c.name === 'shared connection' ? '-' : Number((await cycleMicros(c)).toFixed(2));
  rows.push(row);
  await c.close();
}
rmSync(dir, { recursive: true, force: true });

const headers = Object.keys(rows[0] ?? {});
console.log(`| ${headers.join(' | ')} |\n|${headers.map(() => ' --- ').join('|')}|`);
for (const r of rows) console.log(`| ${headers.map((h) => r[h]).join(' | ')} |`);
console.log(`\nnode ${process.version}, ${durationMs} ms per cell, max ${MAX} connections, ${ROWS} rows`);
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
