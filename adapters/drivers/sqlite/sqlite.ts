import { sqliteMaintenance } from './maintenance.js';
import type Database from 'better-sqlite3';
import { diagnoseSqliteCode } from './diagnose-sqlite.js';
import { checkLaneOption, checkSharedFilename, driverLane } from './sqlite-options.js';
import { warnNetworkFilesystem } from './network-filesystem.js';
import { fileGuard, type FileGuard } from './file-guard.js';
import { checkpointOnLeave } from '../../lane/lane-checkpoints.js';
import { claimSqliteFile } from './library-claim.js';
import { checkSqliteBinding, loadBetterSqlite3 } from './native-binding.js';
import { allBound, getBound, runBound } from './bound-call.js';
import { cappedAll, resultCaps, type ResultCaps } from './result-caps.js';
import type {
  ConnectionRole,
  Driver,
  DriverConnection,
  Params,
  RunResult,
  StatementInfo,
  SyncStatements,
} from '../../../core/driver.js';
import type { Handling } from '../../../core/errors/diagnose.js';

/** Options of the inline better-sqlite3 driver. */
export interface SqliteDriverOptions {
  /** The database file; created if missing (unless `fileMustExist`). */
  filename: string;
  /** Fail instead of creating a missing file. Default `false`. */
  fileMustExist?: boolean;
  /** Extra `PRAGMA name = value` run on every new connection, after WAL is set. */
  pragmas?: Readonly<Record<string, string | number>>;
  /** Prepared statements kept per connection. Default 256. */
  statementCacheSize?: number;
  /** Read INTEGER columns as `bigint` (exact past 2^53, such as chat snowflake ids). Default `false`. */
  safeIntegers?: boolean;
  /**
   * Most rows one `all()` or `values()` may return; past it, RESULT_TOO_LARGE and the connection
   * stays open. Default 1,000,000, in every mode. `Infinity` for both caps reads results whole,
   * unchecked (`sqliteDriver` only; the pool option takes integers).
   */
  maxResultRows?: number;
  /**
   * Most bytes one `all()` or `values()` may return, counted as the values' lengths (text and blob
   * lengths, 8 a number) plus what JavaScript spends on each row and value (see result-caps.ts).
   * Default an eighth of the heap limit of the thread that reads the rows.
   */
  maxResultBytes?: number;
  /**
   * Share one fair write lane with the other processes that open the same file on this machine
   * (sharded bots; docs/shards.md). Linux and macOS. Unset (the default), it is kept there and
   * left out elsewhere (the file lock alone, as with `false`); `true` elsewhere throws
   * INVALID_OPTION.
   */
  lane?: boolean;
}

type Statement = Database.Statement<unknown[], unknown>;

/** SQLite's extended result code, as better-sqlite3 puts it in `err.code`. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Sorts a better-sqlite3 error for the pool; see {@link Driver.classify}. Derived from the code
 * table behind `diagnose()`, so the two never disagree. BUSY_SNAPSHOT is not `busy`: waiting
 * cannot fix a stale read snapshot, only a restarted transaction can.
 */
export function classifySqliteError(err: unknown): Handling {
  const code = sqliteCode(err);
  return code === undefined ? 'statement' : diagnoseSqliteCode(code).handling;
}

/** Runs a synchronous driver call and hands its result or error back as a settled promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function bind(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

class SqliteConnection implements DriverConnection {
  private readonly cache = new Map<string, { stmt: Statement; used: boolean }>();

  private unlisten: (() => void) | undefined;

  constructor(
    readonly raw: Database.Database,
    private readonly cacheSize: number,
    private readonly guard: FileGuard,
    /** Unset: `all()` as better-sqlite3 gives it, with no per-row cost. */
    private readonly caps: ResultCaps | undefined,
  ) {}

  onLost(listener: (cause: Error) => void): void {
    this.unlisten = this.guard.listen(listener);
  }

  get inTransaction(): boolean {
    return this.raw.inTransaction;
  }

  /**
   * A cached prepared statement. When full, the cache forgets a statement not used since it last
   * came round (second chance, or CLOCK: an approximation of least recently used), so a bot's
   * hottest statement is never the one evicted. A hit only marks its entry: moving it to the end of
   * the Map (delete, then set) cost 7-11 % of the statements a second in bench/statement-cache.ts.
   */
  prepare(sql: string): Statement {
    const cached = this.cache.get(sql);
    if (cached !== undefined) {
      cached.used = true;
      return cached.stmt;
    }
    const stmt = this.raw.prepare(sql);
    if (this.cache.size >= this.cacheSize) this.evict();
    this.cache.set(sql, { stmt, used: false });
    return stmt;
  }

  /** Forgets the oldest entry not used since it last came round; the used ones go round again. */
  private evict(): void {
    for (const [sql, entry] of this.cache) {
      this.cache.delete(sql);
      if (!entry.used) return;
      entry.used = false;
      this.cache.set(sql, entry);
    }
  }

  /** The statements run synchronously, in this thread: the lease calls these without a promise hop. */
  readonly sync: SyncStatements = {
    run: (sql, params) => {
      const r = runBound(this.prepare(sql), params) as Database.RunResult;
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    get: <T>(sql: string, params?: Params) => getBound(this.prepare(sql), params) as T | undefined,
    all: <T>(sql: string, params?: Params) =>
      (this.caps === undefined
        ? allBound(this.prepare(sql), params)
        : cappedAll(this.prepare(sql), bind(params), this.caps)) as T[],
    exec: (sql: string) => void this.raw.exec(sql),
  };

  run(sql: string, params?: Params): Promise<RunResult> {
    return settle(() => this.sync.run(sql, params));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return settle(() => this.sync.get<T>(sql, params));
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return settle(() => this.sync.all<T>(sql, params));
  }

  values(sql: string, params?: Params): Promise<unknown[][]> {
    return settle(() => {
      // raw mode is a flag on the shared cached statement: set it only for this call.
      const stmt = this.prepare(sql).raw(true);
      try {
        return (
          this.caps === undefined ? allBound(stmt, params) : cappedAll(stmt, bind(params), this.caps)
        ) as unknown[][];
      } finally {
        stmt.raw(false);
      }
    });
  }

  getMany<T>(sql: string, paramsList: readonly Params[]): Promise<(T | undefined)[]> {
    return settle(() => {
      const stmt = this.prepare(sql);
      return paramsList.map((params) => getBound(stmt, params) as T | undefined);
    });
  }

  async *iterate<T>(sql: string, params: Params | undefined, chunkRows: number): AsyncIterableIterator<T[]> {
    // A statement of its own, not the cached one: a cursor left open must not make the cached
    // statement busy for the connection's next holder.
    const rows = this.raw.prepare(sql).iterate(...bind(params)) as IterableIterator<T>;
    try {
      let chunk: T[] = [];
      for (const row of rows) {
        chunk.push(row);
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      // The consumer may stop early: close the cursor so the connection can run statements again.
      rows.return?.();
    }
  }

  exec(sql: string): Promise<void> {
    return settle(() => void this.raw.exec(sql));
  }

  isReadonly(sql: string): Promise<boolean> {
    return settle(() => this.prepare(sql).readonly);
  }

  describe(sql: string): Promise<StatementInfo> {
    return settle(() => {
      const stmt = this.prepare(sql);
      const columns = stmt.reader ? stmt.columns().map((column) => column.name) : [];
      return { readonly: stmt.readonly, reader: stmt.reader, columns };
    });
  }

  close(): Promise<void> {
    this.unlisten?.();
    this.cache.clear();
    try {
      if (this.raw.open) this.raw.close();
    } catch {
      // A connection to a vanished or corrupt file may refuse to close cleanly; it is gone anyway.
    }
    return Promise.resolve();
  }
}

/**
 * Opens `filename` in WAL mode with `synchronous=NORMAL` and `busy_timeout=0`: the pool does all
 * waiting in its own queue, so better-sqlite3's default 5 s busy wait (which blocks the event loop)
 * is never used. Readers are opened with `query_only` so that a write on a read lease fails loudly.
 *
 * @example
 * ```ts
 * const pool = createPool({ driver: sqliteDriver({ filename: 'bot.db' }) });
 * ```
 */
export function sqliteDriver(options: SqliteDriverOptions): Driver {
  checkSqliteBinding();
  const Sqlite = loadBetterSqlite3();
  checkSharedFilename(options.filename, 'sqliteDriver option "filename"');
  checkLaneOption(options.lane, 'sqliteDriver option "lane"');
  warnNetworkFilesystem(options.filename);
  const release = claimSqliteFile(options.filename, 'better-sqlite3', 'sqliteDriver option "filename"');
  const caps = resultCaps(options);
  const cacheSize = options.statementCacheSize ?? 256;
  const guard = fileGuard(
    options.filename,
    (message) => new Sqlite.SqliteError(message, 'SQLITE_READONLY_DBMOVED'),
  );
  const onDisk =
    options.filename !== ':memory:' && options.filename !== '' && !options.filename.startsWith('file:');
  let opened = false;
  const gate = driverLane(options.filename, options.lane);
  return {
    name: 'better-sqlite3',
    writeGate: gate,
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    maintenance: sqliteMaintenance,
    classify: classifySqliteError,
    async open(role: ConnectionRole): Promise<DriverConnection> {
      const db = new Sqlite(options.filename, {
        timeout: 0,
        // Once the pool has opened the file, a missing file means it was deleted: fail with
        // SQLITE_CANTOPEN instead of quietly creating a new, empty database.
        fileMustExist: (opened && onDisk) || (options.fileMustExist ?? false),
      });
      try {
        await withBusyRetry(() => db.pragma('journal_mode = WAL'));
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 0');
        for (const [name, value] of Object.entries(options.pragmas ?? {})) db.pragma(`${name} = ${value}`);
        if (role === 'reader') db.pragma('query_only = ON');
        else if (role === 'writer')
          checkpointOnLeave(gate, options.pragmas, {
            exec: (sql) => void db.exec(sql),
            isOpen: () => db.open,
          });
        if (options.safeIntegers) db.defaultSafeIntegers(true);
      } catch (err) {
        db.close();
        throw err;
      }
      if (!opened && onDisk) guard.arm();
      opened = true;
      return new SqliteConnection(db, cacheSize, guard, caps);
    },
    dispose() {
      gate?.close();
      guard.close();
      release();
      return Promise.resolve();
    },
  };
}

/** Switching to WAL needs a brief exclusive lock; another process opening at once may hold it. */
async function withBusyRetry<T>(fn: () => T, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return fn();
    } catch (err) {
      if (i >= attempts || classifySqliteError(err) !== 'busy') throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** i) * (0.5 + Math.random())));
    }
  }
}
