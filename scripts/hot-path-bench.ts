// Hot-path cost of a checkout: acquire + get + release, pool.read, and pool.write of one INSERT,
// in ns per operation. Pass another checkout's root to measure it instead of this one:
//   npx tsx scripts/hot-path-bench.ts [root]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Api from '../index.js';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
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
rmSync(dir, { recursive: true, force: true });
