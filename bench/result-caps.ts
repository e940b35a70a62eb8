/**
 * What the default result caps cost inline (issue 23, item 2): `maxResultRows` / `maxResultBytes`
 * now apply in every mode, so an inline `all()` reads its rows one by one and counts them where it
 * used to take better-sqlite3's `all()` whole. Two pools on the same file, alternating round by
 * round so that a noisy neighbour hurts both alike: `capped` (the defaults) and `uncapped`
 * (`sqliteDriver({ maxResultRows: Infinity, maxResultBytes: Infinity })`, what inline did before).
 * Each runs, on one held read lease, `get` by primary key, `all` of that one row, and `all` of a
 * 100-row range, for `--ms` each; the medians of `--rounds` are printed. Not a test.
 *
 *   npx tsx bench/result-caps.ts [--rounds 5] [--ms 1000]
 */
import { availableParallelism } from 'node:os';
import { createPool, sqliteDriver, type Lease, type Pool } from '../index.js';
import { tempDir } from '../test/helpers.js';
import { loadAverage, median } from './report.js';
import { seedItems } from './seed.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}
const ROUNDS = Number(arg('rounds', '5'));
const MS = Number(arg('ms', '1000'));
const ROWS = 100_000;

const tmp = tempDir('roas-bench-caps-');
const filename = tmp.file();
seedItems(filename, ROWS);

const WORKLOADS: Record<string, (lease: Lease, id: number) => Promise<unknown>> = {
  'get (point read)': (lease, id) => lease.get('SELECT * FROM items WHERE id = ?', [id]),
  'all, 1 row': (lease, id) => lease.all('SELECT * FROM items WHERE id = ?', [id]),
  'all, 100 rows': (lease, id) =>
    lease.all('SELECT * FROM items WHERE id BETWEEN ? AND ?', [id, Math.min(ROWS, id + 99)]),
};

/** Statements a second on one held lease, one awaited at a time. */
async function measure(pool: Pool, work: (lease: Lease, id: number) => Promise<unknown>): Promise<number> {
  const lease = await pool.acquire();
  try {
    let n = 0;
    const end = performance.now() + MS;
    while (performance.now() < end)
      for (let i = 0; i < 100; i++, n++) await work(lease, 1 + ((n * 7919) % (ROWS - 100)));
    return (n * 1000) / MS;
  } finally {
    lease.release();
  }
}

const pools: Record<string, Pool> = {
  capped: createPool({ filename }),
  uncapped: createPool({
    driver: sqliteDriver({ filename, maxResultRows: Infinity, maxResultBytes: Infinity }),
  }),
};
console.log(`load average ${loadAverage()} (the machine may be shared)`);
console.log(`node ${process.version}, ${availableParallelism()} cores, ${ROUNDS} rounds of ${MS} ms`);
const runs: Record<string, Record<string, number[]>> = {};
for (const work of Object.values(WORKLOADS))
  for (const pool of Object.values(pools)) await measure(pool, work); // warm-up
for (let round = 0; round < ROUNDS; round++)
  for (const [name, work] of Object.entries(WORKLOADS))
    for (const [variant, pool] of round % 2 === 0 ? Object.entries(pools) : Object.entries(pools).reverse())
      ((runs[name] ??= {})[variant] ??= []).push(await measure(pool, work));
const table: Record<string, Record<string, string>> = {};
for (const [name, byVariant] of Object.entries(runs)) {
  const capped = median(byVariant.capped as number[]);
  const uncapped = median(byVariant.uncapped as number[]);
  table[name] = {
    uncapped: `${Math.round(uncapped)}/s`,
    capped: `${Math.round(capped)}/s`,
    'capped / uncapped': (capped / uncapped).toFixed(3),
    'runs (capped / uncapped)': `${(byVariant.capped as number[]).map(Math.round).join(' ')} / ${(byVariant.uncapped as number[]).map(Math.round).join(' ')}`,
  };
}
console.table(table);
for (const pool of Object.values(pools)) await pool.close();
tmp.cleanup();
