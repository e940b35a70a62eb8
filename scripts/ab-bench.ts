// Two checkouts in one process, measured in alternating short trials so that a busy, shared
// machine slows both alike: acquire+release, pool.read of `SELECT 1`, and point-SELECT throughput
// through pool.read at 20 workers against one shared better-sqlite3 connection. Prints each
// trial and the medians. A benchmark: it reports, it asserts nothing.
//   npx tsx scripts/ab-bench.ts <rootA> <rootB> [--trials 15]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type * as Api from '../index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { trials: { type: 'string', default: '15' } },
});
const roots = positionals.map((p) => resolve(p));
const trials = Number(values.trials);
const dir = mkdtempSync(join(tmpdir(), 'roas-ab-'));
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

const shared = new Database(file, { timeout: 0 });
const stmt = shared.prepare(SQL);
const pools = await Promise.all(
  roots.map(async (root) => {
    const { createPool } = (await import(join(root, 'index.ts'))) as typeof Api;
    return createPool({ filename: file, max: 20 });
  }),
);

async function nsPerOp(n: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

async function opsPerSec(ms: number, op: (id: number) => Promise<unknown>): Promise<number> {
  let ops = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      let id = w;
      while (performance.now() < end) {
        await op((id = (id * 7919 + 1) % ROWS) + 1);
        ops++;
      }
    }),
  );
  return ops / (ms / 1000);
}

type Row = { cycle: number; read: number; read20: number; shared20: number };
const results: Row[][] = roots.map(() => []);
const measure = async (pool: Api.Pool): Promise<Row> => ({
  cycle: await nsPerOp(50_000, async () => (await pool.acquire()).release()),
  read: await nsPerOp(50_000, () => pool.read((db) => db.get('SELECT 1'))),
  read20: await opsPerSec(300, (id) => pool.read((db) => db.get(SQL, [id]))),
  shared20: await opsPerSec(300, async (id) => stmt.get(id)),
});
for (const pool of pools) await measure(pool); // warm up: connections, JIT
for (let t = 0; t < trials; t++) {
  // Alternate which goes first, so neither always follows the other.
  const order = t % 2 === 0 ? roots.map((_, i) => i) : roots.map((_, i) => roots.length - 1 - i);
  for (const i of order) {
    const row = await measure(pools[i] as Api.Pool);
    (results[i] as Row[]).push(row);
    const ratio = (row.read20 / row.shared20).toFixed(2);
    console.log(
      `trial ${t} ${roots[i]}: acquire+release ${row.cycle.toFixed(0)} ns, read ${row.read.toFixed(0)} ns, read@20 ${row.read20.toFixed(0)} ops/s, shared@20 ${row.shared20.toFixed(0)} ops/s, ratio ${ratio}`,
    );
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [i, root] of roots.entries()) {
  const rows = results[i] as Row[];
  console.log(
    `median ${root}: acquire+release ${median(rows.map((r) => r.cycle)).toFixed(0)} ns, read ${median(rows.map((r) => r.read)).toFixed(0)} ns, read@20 ${median(rows.map((r) => r.read20)).toFixed(0)} ops/s, read@20 / shared@20 ${median(rows.map((r) => r.read20 / r.shared20)).toFixed(2)}`,
  );
}
for (const pool of pools) await pool.close();
shared.close();
rmSync(dir, { recursive: true, force: true });
