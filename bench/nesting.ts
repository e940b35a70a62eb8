/**
 * What nesting costs: CPU time per operation (process.cpuUsage, user + system, which a shared
 * machine disturbs less than wall time) of pool.read, pool.write and pool.transaction of one
 * INSERT, and with --nested, a pool.write joined inside a transaction and a savepoint. Pass another
 * checkout's root to measure it instead (run each checkout in its own process: on Node 20 an
 * AsyncLocalStorage, once on, hooks every promise of the process, the other checkout's included).
 * A benchmark: it reports, it asserts nothing.
 *
 *   npx tsx bench/nesting.ts [root] [--nested] [--n 20000]
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Api from '../index.js';
import { tempDir } from '../test/helpers.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { nested: { type: 'boolean', default: false }, n: { type: 'string', default: '20000' } },
});
const root = resolve(positionals[0] ?? fileURLToPath(new URL('..', import.meta.url)));
const n = Number(values.n);
const { createPool } = (await import(join(root, 'index.ts'))) as typeof Api;
const tmp = tempDir('roas-bench-nesting-');
const pool = createPool({ filename: tmp.file() });
await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)'));

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

async function measure(label: string, count: number, op: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count / 10; i++) await op();
  const start = cpuNs();
  for (let i = 0; i < count; i++) await op();
  console.log(`${label}: ${((cpuNs() - start) / count).toFixed(0)} ns/op (CPU time)`);
}

const INSERT = 'INSERT INTO t (v) VALUES (1)';
await measure('pool.read get', n * 5, () => pool.read((db) => db.get('SELECT 1')));
await measure('pool.write insert', n, () => pool.write((db) => db.run(INSERT)));
await measure('pool.transaction insert', n, () => pool.transaction((tx) => tx.run(INSERT)));
await measure('pool.read get, after writes', n * 5, () => pool.read((db) => db.get('SELECT 1')));
if (values.nested) {
  await measure('pool.transaction > pool.write insert (joined)', n, () =>
    pool.transaction(() => pool.write((db) => db.run(INSERT))),
  );
  await measure('pool.transaction > pool.transaction insert (savepoint)', n, () =>
    pool.transaction(() => pool.transaction((tx) => tx.run(INSERT))),
  );
}
await pool.close();
tmp.cleanup();
