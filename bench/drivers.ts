/**
 * better-sqlite3 (`sqliteDriver`, the default) against node:sqlite (`nodeSqliteDriver`), inline, in
 * the same run on the same seeded file, in the bot's pattern (bench/bot-pattern.ts: many workers
 * each awaiting one statement, the loop turning between requests). Not a test: prints figures for
 * the README. Needs Node.js 22.16 or later, and better-sqlite3 built for it.
 *
 *   npx tsx bench/drivers.ts [--rows 200000] [--seconds 3] [--rounds 3]
 *
 * Each round runs every driver once, alternating which goes first; the table shows the median of
 * the rounds. Workloads, 20 workers, `max` 20:
 * 1. point reads by primary key;
 * 2. awaiting transactions: BEGIN IMMEDIATE, an UPDATE, one event-loop turn, an UPDATE, COMMIT;
 * 3. the bot mix of bench/threads.ts: 95 % point reads, 5 % heavy `GROUP BY` reads.
 * The suite's bot mix (reads and writes of a bot's schema) is `roas-pool bench --contenders
 * roas-pool,roas-pool-node-sqlite`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate } from 'node:timers';
import { nodeSqliteDriver } from '../adapters/drivers/node-sqlite/node-sqlite.js';
import { sqliteDriver } from '../adapters/drivers/sqlite/sqlite.js';
import type { Pool } from '../core/pool.js';
import { createPool } from '../create-pool.js';
import { botLoad, seed, WRITE_SQL, type BotLoad } from './bot-pattern.js';
import { loadAverage, median } from './report.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}

const ROWS = Number(arg('rows', '200000'));
const MS = Number(arg('seconds', '3')) * 1000;
const ROUNDS = Number(arg('rounds', '3'));
const WORKERS = 20;

const DRIVERS = {
  'better-sqlite3': (filename: string) => sqliteDriver({ filename }),
  'node:sqlite': (filename: string) => nodeSqliteDriver({ filename }),
} as const;
type DriverName = keyof typeof DRIVERS;

/** Transactions a second: each worker loops BEGIN IMMEDIATE, UPDATE, a loop turn, UPDATE, COMMIT. */
async function transactions(pool: Pool, rows: number): Promise<number> {
  let done = 0;
  const t0 = performance.now();
  const end = t0 + MS;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = w; performance.now() < end; i++) {
        const id = ((i * 7919) % rows) + 1;
        await pool.transaction(async (tx) => {
          await tx.run(WRITE_SQL, [id]);
          await new Promise((resolve) => setImmediate(resolve));
          await tx.run(WRITE_SQL, [(id % rows) + 1]);
        });
        done++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

const WORKLOADS: Record<string, (pool: Pool) => Promise<number>> = {
  'point reads': async (pool) => (await botLoad(pool, load(0))).qps,
  'awaiting transactions': (pool) => transactions(pool, ROWS),
  '95 % point / 5 % heavy reads': async (pool) => (await botLoad(pool, load(20))).qps,
};

function load(heavyEvery: number): BotLoad {
  return { workers: WORKERS, heavyEvery, durationMs: MS, rows: ROWS };
}

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-drivers-'));
const filename = join(dir, 'bench.db');
seed(filename, ROWS);
const rates: Record<string, Record<DriverName, number[]>> = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(DRIVERS) as DriverName[];
    if (round % 2 === 1) order.reverse();
    for (const [workload, run] of Object.entries(WORKLOADS))
      for (const name of order) {
        const pool = createPool({ driver: DRIVERS[name](filename), max: WORKERS, acquireTimeoutMs: 60_000 });
        // Warm: the connections open and the statements are prepared before the timed run.
        await botLoad(pool, { ...load(0), durationMs: 300 });
        const rate = await run(pool);
        await pool.close();
        ((rates[workload] ??= {} as Record<DriverName, number[]>)[name] ??= []).push(rate);
        process.stderr.write(`round ${round + 1} ${workload} ${name}: ${rate.toFixed(1)}/s\n`);
      }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nNode ${process.version}, ${ROWS} rows, ${WORKERS} workers, ${MS / 1000} s a run, median of ${ROUNDS} rounds, load average ${loadAverage()}\n`,
);
console.log('| workload, ops/s | better-sqlite3 | node:sqlite | node:sqlite / better-sqlite3 |');
console.log('| --- | ---: | ---: | ---: |');
for (const [workload, byDriver] of Object.entries(rates)) {
  const b = median(byDriver['better-sqlite3']);
  const n = median(byDriver['node:sqlite']);
  console.log(`| ${workload} | ${b.toFixed(0)} | ${n.toFixed(0)} | ${(n / b).toFixed(2)} |`);
}
