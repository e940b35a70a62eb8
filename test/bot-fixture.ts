import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pool } from '../core/pool.js';
import { createPool } from '../create-pool.js';
import { nodeSqliteDriver } from '../adapters/drivers/node-sqlite/node-sqlite.js';
import type { PoolOptions } from '../core/options/options.js';

/** The bot's tables, as the adapter tests and benchmarks use them. */
export const BOT_SCHEMA = `
  CREATE TABLE xp (user_id TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, level INTEGER NOT NULL DEFAULT 1);
  CREATE TABLE profiles (user_id TEXT PRIMARY KEY, name TEXT NOT NULL, bio TEXT);
  CREATE TABLE xp_log (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, delta INTEGER NOT NULL);
`;

/** A fresh SQLite file with the bot's tables in a temp dir, and a pool over it. */
export interface BotFixture {
  pool: Pool;
  filename: string;
  /** Closes the pool (if still open) and deletes the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * Creates a temp bot database and a pool over it: on better-sqlite3, or on node:sqlite when the
 * environment sets `ROAS_POOL_TEST_DRIVER=node-sqlite` (the Kysely and Drizzle tests on that driver:
 * `ROAS_POOL_TEST_DRIVER=node-sqlite node scripts/test-no-leftovers.js adapters/faces/*.test.ts`).
 */
export async function botFixture(
  options: Omit<PoolOptions, 'filename' | 'driver'> = {},
): Promise<BotFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'roas-bot-'));
  const filename = join(dir, 'bot.db');
  const pool =
    process.env['ROAS_POOL_TEST_DRIVER'] === 'node-sqlite'
      ? createPool({ ...options, driver: nodeSqliteDriver({ filename }) })
      : createPool({ ...options, filename });
  await pool.write((db) => db.exec(BOT_SCHEMA));
  return {
    pool,
    filename,
    cleanup: async () => {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves after `turns` macrotask turns: a count of event-loop turns, not a wall-clock wait. */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` settles within `count` event-loop turns; never waits on the wall clock. */
export async function settlesWithin(promise: Promise<unknown>, count: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < count && !settled; i++) await turns(1);
  return settled;
}
