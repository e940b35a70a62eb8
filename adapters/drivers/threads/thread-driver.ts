import { sqliteMaintenance } from '../sqlite/maintenance.js';
import { PoolError } from '../../../core/errors/errors.js';
import type { ConnectionRole, Driver, DriverConnection } from '../../../core/driver.js';
import { checkLaneOption, checkSharedFilename, driverLane } from '../sqlite/sqlite-options.js';
import { warnNetworkFilesystem } from '../sqlite/network-filesystem.js';
import { classifySqliteError, type SqliteDriverOptions } from '../sqlite/sqlite.js';
import { defaultReaderThreads, ThreadHost } from './thread-host.js';
import { ThreadConnection } from './thread-connection.js';
import type { WorkerInput } from './thread-protocol.js';

/** Options of the worker-thread driver: those of the inline driver, applied inside each worker. */
export interface ThreadDriverOptions extends SqliteDriverOptions {
  /**
   * Worker threads that host the reader connections; the writer has a thread of its own.
   * Default `os.availableParallelism()`: more readers than cores cannot run in parallel.
   */
  readerThreads?: number;
}

/**
 * The worker-thread driver.
 *
 * @example
 * ```ts
 * const driver = threadDriver({ filename: 'bot.db', readerThreads: 2 });
 * await driver.ready(); // every thread booted
 * ```
 */
export interface ThreadDriver extends Driver {
  /** Resolves once every thread has started (connections open on demand, in a message). */
  ready(): Promise<void>;
  /** @internal The threads; tests stop them for real. */
  readonly host: ThreadHost;
}

/** What every thread of a driver is started with. @internal */
export function workerInput(options: SqliteDriverOptions): WorkerInput {
  const { filename, fileMustExist, pragmas, statementCacheSize, safeIntegers } = options;
  return {
    // Unset caps stay unset: each worker derives its default from its own heap limit.
    options: {
      filename,
      fileMustExist,
      pragmas,
      statementCacheSize,
      safeIntegers,
      maxResultRows: options.maxResultRows,
      maxResultBytes: options.maxResultBytes,
      // The pool's lane is its driver's, in the main thread: a thread's own driver joining it
      // would count as one more process, and a lone pool would pay for company it does not have.
      lane: false,
    },
  };
}

/** Checks a reader-thread count; `undefined` is one a core. @internal */
export function readerThreads(count: number | undefined, where: string): number {
  if (count === undefined) return defaultReaderThreads();
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new PoolError('INVALID_OPTION', `${where} must be an integer from 1 to 256, got ${String(count)}`);
  return count;
}

/**
 * A better-sqlite3 driver that hosts every connection in worker threads, so heavy queries run in
 * parallel and never block the event loop. The writer has a thread of its own; readers share
 * `readerThreads` threads (one a core by default), each new reader going to the thread with the
 * fewest. The threads start when the driver is made. Connections open exactly as with
 * {@link sqliteDriver} (WAL, `synchronous=NORMAL`, read-only readers), inside their thread.
 * `lease.raw` is not offered. A thread that dies fails its connections' in-flight requests with
 * CONNECTION_LOST (saying whether the transaction was rolled back), the pool replaces the
 * connections, and the thread is started again.
 *
 * @example
 * ```ts
 * const pool = createPool({ driver: threadDriver({ filename: 'bot.db' }), max: 3 });
 * const top = await pool.read((db) => db.all('SELECT user, SUM(points) AS p FROM xp GROUP BY user'));
 * ```
 */
export function threadDriver(options: ThreadDriverOptions): ThreadDriver {
  checkSharedFilename(options.filename, 'threadDriver option "filename"');
  const readers = readerThreads(options.readerThreads, 'threadDriver option "readerThreads"');
  checkLaneOption(options.lane, 'threadDriver option "lane"');
  warnNetworkFilesystem(options.filename);
  // Slot 0 is the writer's: a heavy read never delays a write.
  const host = new ThreadHost(workerInput(options), 1 + readers);
  // Readers first: most of a bot's first statements are reads, and a write asked for before the
  // writer's turn starts its thread at once.
  host.start([...Array.from({ length: readers }, (_, i) => 1 + i), 0]);
  const slotFor = (role: ConnectionRole): number => {
    if (role === 'writer') return 0;
    let best = 1;
    for (let slot = 2; slot <= readers; slot++)
      if (host.link(slot).hosted.size < host.link(best).hosted.size) best = slot;
    return best;
  };
  const gate = driverLane(options.filename, options.lane);
  return {
    name: 'better-sqlite3-threads',
    writeGate: gate,
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    maintenance: sqliteMaintenance,
    classify: classifySqliteError,
    ready: () => host.booted(),
    host,
    async open(role: ConnectionRole): Promise<DriverConnection> {
      const conn = new ThreadConnection(host.link(slotFor(role)), host.connectionNumber(), role);
      await conn.ready;
      return conn;
    },
    dispose: () => {
      gate?.close();
      return host.dispose();
    },
  };
}
