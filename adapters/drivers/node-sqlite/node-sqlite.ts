import { existsSync } from 'node:fs';
import { PoolError } from '../../../core/errors/errors.js';
import { checkLaneOption, checkSharedFilename, driverLane } from '../sqlite/sqlite-options.js';
import { warnNetworkFilesystem } from '../sqlite/network-filesystem.js';
import type { ConnectionRole, Driver, DriverConnection } from '../../../core/driver.js';
import { fileGuard } from '../sqlite/file-guard.js';
import { claimSqliteFile } from '../sqlite/library-claim.js';
import { resultCaps } from '../sqlite/result-caps.js';
import { NodeSqliteConnection } from './node-sqlite-connection.js';
import { classifyNodeSqliteError, NodeSqliteError, sqliteCall } from './node-sqlite-errors.js';
import { loadNodeSqlite, type DatabaseSync } from './node-sqlite-module.js';
import { sqliteMaintenance } from '../sqlite/maintenance.js';
import { checkpointOnLeave } from '../../lane/lane-checkpoints.js';

/** Options of {@link nodeSqliteDriver}: those of `sqliteDriver` that node:sqlite can honour. */
export interface NodeSqliteDriverOptions {
  /** The database file; created if missing (unless `fileMustExist`). */
  filename: string;
  /** Fail instead of creating a missing file. Default `false`. */
  fileMustExist?: boolean;
  /** Extra `PRAGMA name = value` run on every new connection, after WAL is set. */
  pragmas?: Readonly<Record<string, string | number>>;
  /** Prepared statements kept per connection. Default 256. */
  statementCacheSize?: number;
  /**
   * Read INTEGER columns as `bigint` (node:sqlite's `readBigInts`). Default `false`; then an
   * INTEGER past 2^53 throws node:sqlite's RangeError `ERR_OUT_OF_RANGE` instead of losing
   * precision as better-sqlite3 does.
   */
  safeIntegers?: boolean;
  /**
   * A query returning more rows fails with RESULT_TOO_LARGE; the connection stays up. Default
   * 1,000,000; `Infinity` for none.
   */
  maxResultRows?: number;
  /**
   * Likewise for the result's size in memory (values' lengths, plus 96 bytes a row and 16 a value).
   * Default 1/8 of the heap limit; `Infinity` for none.
   */
  maxResultBytes?: number;
  /**
   * Share one fair write lane with the other processes that open the same file on this machine
   * (sharded bots; docs/shards.md), whichever of the two SQLite drivers they use. Linux and macOS.
   * Unset (the default), it is kept there and left out elsewhere (the file lock alone, as with
   * `false`); `true` elsewhere throws INVALID_OPTION.
   */
  lane?: boolean;
}

const KNOWN = new Set([
  'filename',
  'fileMustExist',
  'pragmas',
  'statementCacheSize',
  'safeIntegers',
  'maxResultRows',
  'maxResultBytes',
  'lane',
]);

/** Options of the better-sqlite3 drivers this driver cannot offer, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  threads:
    'the worker-thread modes host better-sqlite3 in their threads; with nodeSqliteDriver every connection runs inline',
  readerThreads: 'the worker-thread modes need better-sqlite3',
  offloadThresholdMs: 'the worker-thread modes need better-sqlite3',
};

function checkOptions(options: NodeSqliteDriverOptions): void {
  for (const key of Object.keys(options)) {
    if (KNOWN.has(key)) continue;
    const why = UNSUPPORTED[key];
    throw new PoolError(
      'INVALID_OPTION',
      why
        ? `nodeSqliteDriver has no option "${key}": ${why}`
        : `nodeSqliteDriver has no option "${key}"; it takes ${[...KNOWN].join(', ')}`,
    );
  }
}

/** Switching to WAL needs a brief exclusive lock; another process opening at once may hold it. */
async function withBusyRetry(fn: () => void, attempts = 50): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return sqliteCall(fn);
    } catch (err) {
      if (i >= attempts || classifyNodeSqliteError(err) !== 'busy') throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** i) * (0.5 + Math.random())));
    }
  }
}

/**
 * A driver on node:sqlite (`DatabaseSync`), built into Node.js 22.16 and later: nothing to compile
 * at install. The same pool as on better-sqlite3's {@link sqliteDriver}: WAL, `synchronous=NORMAL`,
 * `busy_timeout=0` (the pool does the waiting), readers opened with `query_only`, one write lane
 * with `BEGIN IMMEDIATE`, SQLite's extended result codes in `err.code`. Connections run inline (no
 * worker-thread modes). On an older Node.js it throws NOT_SUPPORTED naming the version it needs.
 *
 * @example
 * ```ts
 * import { createPool, nodeSqliteDriver } from 'roas-pool';
 * const pool = createPool({ driver: nodeSqliteDriver({ filename: 'bot.db' }) });
 * ```
 */
export function nodeSqliteDriver(options: NodeSqliteDriverOptions): Driver {
  checkOptions(options);
  const Database = loadNodeSqlite();
  checkSharedFilename(options.filename, 'nodeSqliteDriver option "filename"');
  checkLaneOption(options.lane, 'nodeSqliteDriver option "lane"');
  warnNetworkFilesystem(options.filename);
  const release = claimSqliteFile(options.filename, 'node:sqlite', 'nodeSqliteDriver option "filename"');
  const cacheSize = options.statementCacheSize ?? 256;
  const caps = resultCaps(options);
  const guard = fileGuard(
    options.filename,
    (message) => new NodeSqliteError(message, 'SQLITE_READONLY_DBMOVED', 1032),
  );
  const onDisk =
    options.filename !== ':memory:' && options.filename !== '' && !options.filename.startsWith('file:');
  let opened = false;
  const gate = driverLane(options.filename, options.lane);
  return {
    name: 'node:sqlite',
    writeGate: gate,
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    maintenance: sqliteMaintenance,
    classify: classifyNodeSqliteError,
    async open(role: ConnectionRole): Promise<DriverConnection> {
      // node:sqlite has no fileMustExist. Once the pool has opened the file, a missing file means
      // it was deleted: fail as better-sqlite3 does instead of quietly creating an empty database.
      if (onDisk && (opened || options.fileMustExist) && !existsSync(options.filename))
        throw new NodeSqliteError('unable to open database file', 'SQLITE_CANTOPEN', 14);
      const db: DatabaseSync = sqliteCall(() => new Database(options.filename, { timeout: 0 }));
      try {
        await withBusyRetry(() => db.exec('PRAGMA journal_mode = WAL'));
        sqliteCall(() => {
          db.exec('PRAGMA synchronous = NORMAL');
          db.exec('PRAGMA busy_timeout = 0');
          for (const [name, value] of Object.entries(options.pragmas ?? {}))
            db.exec(`PRAGMA ${name} = ${value}`);
          if (role === 'reader') db.exec('PRAGMA query_only = ON');
          else if (role === 'writer')
            checkpointOnLeave(gate, options.pragmas, {
              exec: (sql) => db.exec(sql),
              isOpen: () => db.isOpen,
            });
        });
      } catch (err) {
        db.close();
        throw err;
      }
      if (!opened && onDisk) guard.arm();
      opened = true;
      return new NodeSqliteConnection(db, cacheSize, guard, options.safeIntegers ?? false, caps);
    },
    dispose() {
      gate?.close();
      guard.close();
      release();
      return Promise.resolve();
    },
  };
}
