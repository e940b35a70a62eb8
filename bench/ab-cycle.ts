/**
 * Before and after for one hot-path operation, in one process: two checkouts of the package (each
 * with its index.ts; a copy of an older commit made with `git archive`), one pool each, their loops
 * alternating round by round, so that a machine other jobs load weighs on both alike. Prints the
 * median CPU µs per operation of each and the median of the rounds' ratios (b / a). A benchmark,
 * not a test.
 *
 * `--op cycle` (the default): the uncontended `(await pool.acquire()).release()`.
 * `--op read`: `--workers` (20) awaiting workers, each reading one row by primary key with
 * `pool.read((db) => db.get(sql, [id]))`, for `--ms` (300) a round; both pools on one file.
 *
 *   mkdir .tmp/base && git archive <commit> | tar -x -C .tmp/base && ln -s "$PWD/node_modules" .tmp/base/
 *   npx tsx bench/ab-cycle.ts --a .tmp/base --b . [--op cycle|read] [--rounds 21] [--cycles 200000]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pool } from '../core/pool.js';
import { tempDir } from '../test/helpers.js';
import { loadAverage, median } from './report.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: '.' },
    b: { type: 'string', default: '.' },
    op: { type: 'string', default: 'cycle' },
    rounds: { type: 'string', default: '21' },
    cycles: { type: 'string', default: '200000' },
    workers: { type: 'string', default: '20' },
    ms: { type: 'string', default: '300' },
  },
});
if (values.op !== 'cycle' && values.op !== 'read') throw new Error(`--op is cycle or read, not ${values.op}`);
const cycles = Number(values.cycles);
const ROWS = 1000;
const SQL = 'SELECT * FROM t WHERE id = ?';
const file = tempDir().file();

async function open(dir: string): Promise<Pool> {
  const { createPool } = (await import(
    pathToFileURL(resolve(dir, 'index.ts')).href
  )) as typeof import('../index.js');
  if (values.op === 'cycle') return createPool({ filename: tempDir().file(), max: 20 });
  const pool = createPool({ filename: file, max: 20 });
  await pool.transaction(async (db) => {
    await db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, points INT)');
    for (let id = 1; id <= ROWS; id++)
      await db.run('INSERT OR IGNORE INTO t VALUES (?, ?, ?)', [id, `user${id}`, id]);
  });
  return pool;
}

/** CPU µs per `(await pool.acquire()).release()`. */
async function cycle(pool: Pool): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < cycles; i++) (await pool.acquire()).release();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / cycles;
}

/** CPU µs per point read, `--workers` awaiting callers for `--ms`. */
async function read(pool: Pool): Promise<number> {
  let n = 0;
  // Read on the clock, not a timer: a loop of reads that settle at once may not let a timer in.
  const end = performance.now() + Number(values.ms);
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Number(values.workers) }, async (_, w) => {
      for (let id = w; (n & 63) !== 0 || performance.now() < end; id++) {
        await pool.read((db) => db.get(SQL, [(id % ROWS) + 1]));
        n++;
      }
    }),
  );
  const { user, system } = process.cpuUsage(start);
  return (user + system) / n;
}

const op = values.op === 'read' ? read : cycle;
const load = loadAverage();
const pools = [await open(values.a), await open(values.b)] as const;
for (const pool of pools) await op(pool); // warm up: JIT
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  if (r % 2 === 0) a.push(await op(pools[0]));
  b.push(await op(pools[1]));
  if (r % 2 === 1) a.push(await op(pools[0]));
}
for (const pool of pools) await pool.close();
console.log(
  `node ${process.version}, ${values.op}, load ${load} (after: ${loadAverage()}): a ${median(a).toFixed(3)} µs, b ${median(b).toFixed(3)} µs, b / a ${median(b.map((x, i) => x / (a[i] as number))).toFixed(3)}`,
);
