// The composition root: the one place that picks concrete adapters for the core. The core (core/)
// imports no adapter; the default driver and the stats-table writer reach it from here.
import { checkSqliteBinding } from './adapters/drivers/sqlite/native-binding.js';
import { diagnosePostgresError } from './adapters/drivers/postgres/pg-codes.js';
import { diagnoseSqliteError } from './adapters/drivers/sqlite/diagnose-sqlite.js';
import { sqliteDriver } from './adapters/drivers/sqlite/sqlite.js';
import {
  checkLaneOption,
  checkPragmas,
  checkSharedFilename,
} from './adapters/drivers/sqlite/sqlite-options.js';
import { hybridDriver } from './adapters/drivers/threads/hybrid-driver.js';
import { threadDriver } from './adapters/drivers/threads/thread-driver.js';
import { statsTableWriter } from './adapters/faces/stats-table.js';
import { diagnoseWith, type Diagnosis } from './core/errors/diagnose.js';
import type { PoolOptions } from './core/options/options.js';
import { offloadThreshold, threadMode } from './adapters/drivers/threads/thread-options.js';
import { Pool } from './core/pool.js';
import type { PoolWiring } from './core/pool-wiring.js';

/** The default driver, the stats-table writer and the built-in driver's option checks. */
const wiring: PoolWiring = {
  defaultDriver(o) {
    checkSqliteBinding(); // NATIVE_BINDING_MISSING here, not at the first acquire
    const sqlite = {
      filename: o.filename as string,
      pragmas: o.pragmas,
      statementCacheSize: o.statementCacheSize,
      maxResultRows: o.maxResultRows,
      maxResultBytes: o.maxResultBytes,
      // Asked for by name, the lane was checked with the options (checks.lane); the driver is
      // given it as unset, so a system without one leaves it out rather than refusing it twice.
      lane: o.crossProcessLane ? undefined : false,
    };
    if (o.threads === 'all') return threadDriver({ ...sqlite, readerThreads: o.readerThreads });
    if (o.threads === 'hybrid')
      return hybridDriver({
        ...sqlite,
        readerThreads: o.readerThreads,
        offloadThresholdMs: o.offloadThresholdMs,
      });
    return sqliteDriver(sqlite);
  },
  statsTable: statsTableWriter,
  checks: {
    filename: (filename) => checkSharedFilename(filename),
    threadMode,
    offloadThreshold,
    pragmas: checkPragmas,
    lane: (requested) => checkLaneOption(requested, 'option "crossProcessLane"'),
  },
};
Object.freeze(wiring.checks);

/**
 * The wiring `createPool()` gives every pool: better-sqlite3 (inline; with expensive reads on
 * worker threads with `threads: true`; every connection in a worker thread with `threads: 'all'`)
 * when the options name no driver, and the stats-table writer. Public for a `Pool` subclass, which
 * passes it to `super`, or spreads it to change one member; frozen, so that no code changes the
 * wiring of every pool at once.
 *
 * @example
 * ```ts
 * class TimedPool extends Pool {
 *   constructor(options: PoolOptions) {
 *     super(options, defaultWiring);
 *   }
 * }
 * ```
 */
export const defaultWiring: Readonly<PoolWiring> = Object.freeze(wiring);

/**
 * Creates a pool. Options are checked synchronously: an unknown key throws INVALID_OPTION naming
 * the nearest valid one. Connections open lazily, on first demand.
 *
 * @example
 * ```ts
 * import { createPool } from 'roas-pool';
 * const pool = createPool({ filename: 'bot.db', max: 20 });
 * const row = await pool.read((db) => db.get('SELECT points FROM xp WHERE user = ?', ['ann']));
 * await pool.close();
 * ```
 */
export function createPool(options: PoolOptions): Pool {
  return new Pool(options, defaultWiring);
}

/**
 * Explains any error the pool, SQLite or PostgreSQL raised: its category (retry,
 * restart-transaction, evict-connection, fatal, usage-bug, caller), a one-line diagnosis and
 * remedy, and what the pool does about it. A PoolError that wraps an engine error also explains
 * the cause. `kind` names what a bot handles by name the same on both backends: `unique`,
 * `foreign-key`, `check`, `not-null`, `serialization`, `deadlock`, `timeout`, `connection`.
 *
 * @example
 * ```ts
 * try {
 *   await pool.write((db) => db.run('INSERT INTO xp (user) VALUES (?)', ['ann']));
 * } catch (err) {
 *   const d = diagnose(err);
 *   if (d.category === 'retry') setTimeout(retry, 100);
 *   else log.error(`${d.code}: ${d.diagnosis}. Fix: ${d.remedy}`);
 * }
 * ```
 */
export function diagnose(err: unknown): Diagnosis {
  return diagnoseWith(err, (e) => diagnoseSqliteError(e) ?? diagnosePostgresError(e));
}
