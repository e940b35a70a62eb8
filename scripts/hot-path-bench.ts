// Hot-path cost of a checkout: acquire + get + release, pool.read, and pool.write of one INSERT,
// in ns per operation; then point-SELECT throughput through `pool.read()` at 20 workers against one
// shared better-sqlite3 connection (as bench/throughput.ts), and their ratio. Pass another
// checkout's root to measure it instead of this one (the shared connection is the same code):
//   npx tsx scripts/hot-path-bench.ts [root] [--duration 2000]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Api from '../index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { duration: { type: 'string', default: '2000' } },
});
const root = resolve(positionals[0] ?? fileURLToPath(new URL('..', import.meta.url)));
const durationMs = Number(values.duration);
const { createPool } = (await import(join(root, 'index.ts'))) as typeof Api;
const dir = mkdtempSync(join(tmpdir(), 'roas-bench-'));
const pool = createPool({ filename: join(dir, 'bench.db') });
await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)'));

async function run(label: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2000; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  process.stdout.write(`${label}: ${(Number(process.hrtime.bigint() - t0) / n).toFixed(0)} ns/op\n`);
}

await run('acquire+get+release', 200_000, async () => {
  const lease = await pool.acquire();
  await lease.get('SELECT 1');
  lease.release();
});
await run('pool.read', 200_000, () => pool.read((db) => db.get('SELECT 1')));
await run('pool.write insert', 50_000, () => pool.write((db) => db.run('INSERT INTO t (v) VALUES (1)')));
await pool.close();

// read() at 20 workers vs one shared connection: the same table, query and workers as
// bench/throughput.ts (10 000 rows, max 20 connections).
const ROWS = 10_000;
const SQL = 'SELECT id, name, points FROM users WHERE id = ?';
const file = join(dir, 'users.db');
const seed = new Database(file);
seed.pragma('journal_mode = WAL');
seed.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, points INT)');
const insert = seed.prepare('INSERT INTO users (name, points) VALUES (?, ?)');
seed.transaction(() => {
  for (let i = 0; i < ROWS; i++) insert.run(`user${i}`, i);
})();
seed.close();

async function throughput(op: (id: number) => Promise<unknown>, workers: number): Promise<number> {
  let ops = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let id = w;
      while (performance.now() < end) {
        await op((id = (id * 7919 + 1) % ROWS) + 1);
        ops++;
      }
    }),
  );
  return ops / (durationMs / 1000);
}

const readers = createPool({ filename: file, max: 20 });
const viaPool = (id: number) => readers.read((db) => db.get(SQL, [id]));
await throughput(viaPool, 20); // warm up: open connections, JIT
const pooled = await throughput(viaPool, 20);
await readers.close();
const shared = new Database(file, { timeout: 0 });
shared.pragma('journal_mode = WAL');
shared.pragma('synchronous = NORMAL');
const stmt = shared.prepare(SQL);
const viaShared = async (id: number) => stmt.get(id);
await throughput(viaShared, 20);
const one = await throughput(viaShared, 20);
shared.close();
process.stdout.write(`read() @20 workers: ${Math.round(pooled)} ops/s\n`);
process.stdout.write(`shared connection @20 workers: ${Math.round(one)} ops/s\n`);
process.stdout.write(`read() / shared: ${(pooled / one).toFixed(2)}\n`);
rmSync(dir, { recursive: true, force: true });
