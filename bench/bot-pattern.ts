/**
 * The bot's pattern, for bench/threads.ts: many async workers, each awaiting one `pool.read` with
 * one statement at a time, as request handlers do. Not a test: it measures and returns figures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import type { PoolOptions } from '../core/options/options.js';
import type { Pool } from '../core/pool.js';
import { createPool as createFromSources } from '../create-pool.js';
import { seedFile } from './seed.js';

/**
 * With `--dist`, the pool of the built package (`npm run build` first): its worker threads then
 * load JavaScript, as an installed package's do, instead of compiling TypeScript with tsx as they
 * boot, which a cold start from the sources pays for (about 0.9 s a thread on a loaded machine).
 */
const createPool: typeof createFromSources = process.argv.includes('--dist')
  ? (
      (await import(new URL('../dist/index.js', import.meta.url).href)) as {
        createPool: typeof createFromSources;
      }
    ).createPool
  : createFromSources;

export const HEAVY_SQL =
  'SELECT guild, COUNT(*) AS n, SUM(points) AS total, AVG(length(user)) AS len FROM xp GROUP BY guild ORDER BY total DESC';
export const POINT_SQL = 'SELECT user, points FROM xp WHERE id = ?';
export const WRITE_SQL = 'UPDATE xp SET points = points + 1 WHERE id = ?';

/** Fills `filename` with `rows` rows, straight through better-sqlite3 (fast, not measured). */
export function seed(filename: string, rows: number): void {
  seedFile(filename, {
    schema: 'CREATE TABLE xp (id INTEGER PRIMARY KEY, guild INTEGER, user TEXT, points INTEGER)',
    insert: 'INSERT INTO xp (guild, user, points) VALUES (?, ?, ?)',
    rows,
    row: (i) => [i % 97, `user${i}`, (i * 7919) % 1000],
  });
}

/** The pool options of one mode. */
export type Mode = 'inline' | 'hybrid' | 'threads';

/** The `threads` option of each mode. */
export const THREADS_OPTION: Record<Mode, PoolOptions['threads']> = {
  inline: false,
  hybrid: true,
  threads: 'all',
};

export interface BotRun {
  /** Statements a second over the whole window. */
  qps: number;
  /** Event-loop delay p99 and max (ms), sampled every 1 ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Queries answered in the first second after `createPool` (cold runs only). */
  firstSecond?: number;
}

export interface BotLoad {
  workers: number;
  /** Every `heavyEvery`-th statement of a worker is the heavy one; 0: points only. */
  heavyEvery: number;
  /** Only heavy statements (the heavy-read figure). */
  heavyOnly?: boolean;
  /** Only one-row autocommit writes, on the write lane (the write-cost figure). */
  writes?: boolean;
  durationMs: number;
  rows: number;
}

/**
 * Runs `load` on `pool` for `durationMs`: each worker loops `await pool.read(db => db.get|all)`,
 * yielding to the event loop between requests as separate bot events would.
 */
export async function botLoad(pool: Pool, load: BotLoad, startedAt = performance.now()): Promise<BotRun> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let done = 0;
  let firstSecond: number | undefined;
  const t0 = performance.now();
  const end = t0 + load.durationMs;
  await Promise.all(
    Array.from({ length: load.workers }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        const heavy = load.heavyOnly || (load.heavyEvery > 0 && i % load.heavyEvery === 0);
        const id = ((i * 7919) % load.rows) + 1;
        if (load.writes) await pool.write((db) => db.run(WRITE_SQL, [id]));
        else if (heavy) await pool.read((db) => db.all(HEAVY_SQL));
        else await pool.read((db) => db.get(POINT_SQL, [id]));
        i++;
        done++;
        if (firstSecond === undefined && performance.now() - startedAt >= 1000) firstSecond = done;
        // Each request of a bot is its own event: let the loop turn between them.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  histogram.disable();
  const seconds = (performance.now() - t0) / 1000;
  return {
    qps: done / seconds,
    loopP99Ms: histogram.percentile(99) / 1e6,
    loopMaxMs: histogram.max / 1e6,
    ...(firstSecond === undefined ? {} : { firstSecond }),
  };
}

/** Opens a pool in `mode` and runs `load` on it; `warm` first runs it briefly, untimed. */
export async function botRun(
  options: (mode: Mode) => PoolOptions,
  mode: Mode,
  load: BotLoad,
  warm: boolean,
): Promise<BotRun> {
  const startedAt = performance.now();
  const pool = createPool(options(mode));
  try {
    if (warm) {
      // Steady state: every thread booted (a thread compiling its code takes a core meanwhile).
      await (pool.driver as Partial<{ ready(): Promise<void> }>).ready?.();
      await botLoad(pool, { ...load, durationMs: Math.min(500, load.durationMs) });
    }
    return await botLoad(pool, load, startedAt);
  } finally {
    await pool.close();
  }
}
