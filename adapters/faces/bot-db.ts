import type { Pool } from '../../core/pool.js';
import type { Lease } from '../../core/lease/lease.js';
import type { Params, RunResult } from '../../core/driver.js';
import { runArgumentsError, sqlError } from '../../core/lease/arguments.js';
import { leaseForSql } from './statement-lane.js';

/** The statements a bot's data-access code runs, on the database or inside a transaction. */
export interface BotStatements {
  /** First row of a query, or `undefined`. */
  get<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined>;
  /** Every row of a query. */
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  /** A statement that may write. */
  run(sql: string, params?: Params): Promise<RunResult>;
}

/** The bot-facing data-access facade: statements that pick their own lane, and transactions. */
export interface BotDb extends BotStatements {
  /** Runs `fn` in one write transaction; it may await anything between statements. */
  transaction<T>(fn: (tx: BotStatements) => Promise<T>): Promise<T>;
}

/** What the facade needs from a pool; a `Pool` has it. */
export type BotDbPool = Pick<Pool, 'acquire' | 'transaction'>;

/**
 * Wraps a pool in the interface a bot's existing data-access code expects (`get`, `all`, `run`,
 * `transaction`), so the pool comes in behind it without a rewrite. Each statement goes to the
 * lane it needs: SQLite itself says whether a statement only reads (better-sqlite3's
 * `statement.readonly`, asked once per SQL text on a read lease through
 * `Lease.describe`), so reads share the reader connections and writes take the
 * single write lane. Nothing is parsed by hand. The routing is `leaseForSql`, the same one the
 * Kysely and Drizzle adapters use.
 *
 * @example
 * ```ts
 * const db = createBotDb(createPool({ filename: 'bot.db' }));
 * await db.run('UPDATE users SET xp = xp + ? WHERE id = ?', [5, 'ann']); // write lane
 * const top = await db.all('SELECT id, xp FROM users ORDER BY xp DESC LIMIT 10'); // a reader
 * await db.transaction(async (tx) => tx.run('DELETE FROM users WHERE id = ?', ['bob']));
 * ```
 */
export function createBotDb(pool: BotDbPool): BotDb {
  async function onLane<T>(call: string, sql: string, use: (lease: Lease) => Promise<T>): Promise<T> {
    if (typeof sql !== 'string') throw sqlError(`db.${call}`, sql);
    const lease = await leaseForSql(pool, sql);
    try {
      return await use(lease);
    } finally {
      if (!lease.released) lease.release();
    }
  }

  return {
    get: (sql, params) => onLane('get', sql, (l) => l.get(sql, params)),
    all: (sql, params) => onLane('all', sql, (l) => l.all(sql, params)),
    run: (sql, params) => onLane('run', sql, (l) => l.run(sql, params)),
    transaction: (fn) =>
      typeof fn !== 'function'
        ? Promise.reject(runArgumentsError('transaction', fn, undefined))
        : pool.transaction((tx) =>
            fn({
              get: (sql, params) => tx.get(sql, params),
              all: (sql, params) => tx.all(sql, params),
              run: (sql, params) => tx.run(sql, params),
            }),
          ),
  };
}
