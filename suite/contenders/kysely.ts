import Database from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { Params, RunResult } from '../../core/driver.js';
import type { BotDb, BotStatements } from '../../adapters/faces/bot-db.js';
import type { Contender } from '../types.js';
import { BETTER_SQLITE3_DEFAULT_BUSY_MS } from './peer-connection.js';
import { optionalImport } from './optional-import.js';
import { TimedPool } from './roas-pool.js';

type Db = Kysely<object> | Transaction<object>;

function positional(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (!Array.isArray(params)) throw new TypeError('the Kysely contenders take positional parameters only');
  return [...(params as readonly unknown[])];
}

/** The bot facade over Kysely, as a bot that moved to Kysely runs its raw SQL. */
async function kyselyBotDb(db: Kysely<object>): Promise<BotDb> {
  const { CompiledQuery } = await import('kysely');
  const statements = (q: Db): BotStatements => ({
    get: async <T>(sql: string, params?: Params) =>
      (await q.executeQuery<T>(CompiledQuery.raw(sql, positional(params)))).rows[0],
    all: async <T>(sql: string, params?: Params) =>
      (await q.executeQuery<T>(CompiledQuery.raw(sql, positional(params)))).rows,
    run: async (sql: string, params?: Params): Promise<RunResult> => {
      const r = await q.executeQuery(CompiledQuery.raw(sql, positional(params)));
      return { changes: Number(r.numAffectedRows ?? 0n), lastInsertRowid: r.insertId };
    },
  });
  return { ...statements(db), transaction: (fn) => db.transaction().execute((trx) => fn(statements(trx))) };
}

/**
 * Kysely's own `SqliteDialect` over one better-sqlite3 connection (its documented setup: every
 * query, and every transaction with its awaits, takes turns on that connection behind a mutex).
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: kyselySqlite() });
 * ```
 */
export function kyselySqlite(): Contender {
  return {
    name: 'kysely-sqlite',
    description: `Kysely SqliteDialect on one better-sqlite3 connection, busy_timeout=${BETTER_SQLITE3_DEFAULT_BUSY_MS}`,
    async open({ filename }) {
      const { Kysely, SqliteDialect } = await optionalImport('kysely', () => import('kysely'));
      const database = new Database(filename);
      database.pragma('journal_mode = WAL');
      const kysely = new Kysely<object>({ dialect: new SqliteDialect({ database }) });
      const db = await kyselyBotDb(kysely);
      return {
        db: () => db,
        sample: () => ({ size: 1, leased: 0, waiting: 0 }),
        close: () => kysely.destroy(),
      };
    },
  };
}

/**
 * Kysely over roas-pool (`RoasPoolDialect`): reads on reader connections, transactions pinned to
 * the write lane with `BEGIN IMMEDIATE`.
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: kyselyRoasPool() });
 * ```
 */
export function kyselyRoasPool(): Contender {
  return {
    name: 'kysely-roas-pool',
    description: 'Kysely with RoasPoolDialect over roas-pool (max 20)',
    async open({ filename, recordWait }) {
      const { Kysely } = await optionalImport('kysely', () => import('kysely'));
      const { RoasPoolDialect } = await import('../../adapters/faces/kysely.js');
      const pool = new TimedPool({ filename }, recordWait);
      const kysely = new Kysely<object>({ dialect: new RoasPoolDialect({ pool }) });
      const db = await kyselyBotDb(kysely);
      return {
        db: () => db,
        sample: () => {
          const s = pool.stats();
          return { size: s.total, leased: s.leased, waiting: s.waiting };
        },
        close: async () => {
          await kysely.destroy();
          await pool.close();
        },
      };
    },
  };
}
