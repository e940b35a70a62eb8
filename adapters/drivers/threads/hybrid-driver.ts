import { sqliteMaintenance } from '../sqlite/maintenance.js';
import type Database from 'better-sqlite3';
import type {
  ConnectionRole,
  Driver,
  DriverConnection,
  Params,
  ReadOptions,
  RunResult,
  StatementInfo,
  SyncStatements,
} from '../../../core/driver.js';
import { PoolError } from '../../../core/errors/errors.js';
import { checkLaneOption, checkSharedFilename } from '../sqlite/sqlite-options.js';
import { classifySqliteError, sqliteDriver } from '../sqlite/sqlite.js';
import { OffloadRouter, type OffloadKind } from './offload-router.js';
import { ThreadHost } from './thread-host.js';
import type { ThreadConnection } from './thread-connection.js';
import { readerThreads, workerInput, type ThreadDriverOptions } from './thread-driver.js';

/** Options of the hybrid driver: those of {@link threadDriver}, and when a read is worth a thread. */
export interface HybridDriverOptions extends ThreadDriverOptions {
  /**
   * A read-only statement whose moving average run time reaches this many milliseconds runs on a
   * reader thread from then on; cheaper ones run inline. 0 sends every read outside a transaction
   * to a thread. Default 1.
   */
  offloadThresholdMs?: number;
}

type Kind = OffloadKind | 'run';

/**
 * The hybrid driver, with what its router did.
 *
 * @example
 * ```ts
 * const driver = hybridDriver({ filename: 'bot.db' });
 * const pool = createPool({ driver });
 * await driver.ready();
 * console.log(driver.routed()); // { inline: 0, offloaded: 0 }
 * ```
 */
export interface HybridDriver extends Driver {
  /** Statements run inline and statements sent to reader threads, since the driver was made. */
  routed(): { inline: number; offloaded: number };
  /**
   * Starts the reader threads now, if the first read worth a thread has not yet, and resolves once
   * each has opened its connection: call it at start-up to have them warm before the first burst.
   */
  ready(): Promise<void>;
  /** @internal The reader threads; tests stop them for real. */
  readonly host: ThreadHost;
}

/**
 * An inline better-sqlite3 connection that sends its expensive reads to a reader thread. Writes,
 * transactions and cheap reads run inline, as with {@link sqliteDriver}; a read outside a
 * transaction that the router has learned is expensive runs on a thread's read-only connection to
 * the same WAL file, which sees every commit made before it was sent.
 */
class HybridConnection implements DriverConnection {
  /** Reads sent to threads and not yet answered. */
  private offloading = 0;
  private drained: (() => void)[] = [];

  constructor(
    private readonly inline: DriverConnection & { readonly sync: SyncStatements },
    private readonly router: OffloadRouter,
  ) {}

  /**
   * The inline statements, timed for the router. The lease calls them without a promise hop when
   * {@link syncServes} says the statement runs inline now; a point read then costs what it costs
   * in inline mode.
   */
  readonly sync: SyncStatements = {
    run: (sql, params) => this.runInline('run', sql, params) as RunResult,
    get: <T>(sql: string, params?: Params) => this.runInline('get', sql, params) as T | undefined,
    all: <T>(sql: string, params?: Params) => this.runInline('all', sql, params) as T[],
  };

  /** Inline, unless a read sent to a thread is still out or `sql` is a read worth a thread. */
  syncServes(kind: 'run' | 'get' | 'all', sql: string): boolean {
    if (this.offloading > 0) return false;
    return kind === 'run' || this.inline.inTransaction || !this.router.worth(sql, this.raw, undefined);
  }

  get raw(): Database.Database {
    return this.inline.raw as Database.Database;
  }

  get inTransaction(): boolean {
    return this.inline.inTransaction;
  }

  /** Resolves once the reads sent to threads are answered; `undefined` when none are. */
  answered(): Promise<void> | undefined {
    if (this.offloading === 0) return undefined;
    return new Promise((resolve) => this.drained.push(resolve));
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.route('run', sql, params) as Promise<RunResult>;
  }

  get<T>(sql: string, params?: Params, options?: ReadOptions): Promise<T | undefined> {
    return this.route('get', sql, params, options?.offload) as Promise<T | undefined>;
  }

  all<T>(sql: string, params?: Params, options?: ReadOptions): Promise<T[]> {
    return this.route('all', sql, params, options?.offload) as Promise<T[]>;
  }

  values(sql: string, params?: Params): Promise<unknown[][]> {
    return this.route('values', sql, params) as Promise<unknown[][]>;
  }

  getMany<T>(sql: string, paramsList: readonly Params[]): Promise<(T | undefined)[]> {
    return this.route('getMany', sql, paramsList) as Promise<(T | undefined)[]>;
  }

  exec(sql: string): Promise<void> {
    return this.inOrder(() => this.inline.exec(sql));
  }

  /** A cursor runs inline, chunk by chunk, after the reads sent earlier: each chunk is small. */
  async *iterate<T>(sql: string, params: Params | undefined, chunkRows: number): AsyncIterableIterator<T[]> {
    await this.answered();
    yield* (this.inline.iterate as NonNullable<DriverConnection['iterate']>)<T>(sql, params, chunkRows);
  }

  isReadonly(sql: string): Promise<boolean> {
    return this.inline.isReadonly(sql);
  }

  describe(sql: string): Promise<StatementInfo> {
    return (this.inline.describe as NonNullable<DriverConnection['describe']>)(sql);
  }

  onLost(listener: (cause: Error) => void): void {
    this.inline.onLost?.(listener);
  }

  async close(): Promise<void> {
    await this.answered();
    await this.inline.close();
  }

  /**
   * Ends the reads this connection sent to threads: their threads are stopped (and started again
   * at the next read worth one). Inline statements are synchronous: none is ever in flight.
   */
  abort(reason: Error): void {
    if (this.offloading > 0) this.router.abort(reason);
  }

  private route(kind: Kind, sql: string, params: Params | undefined, offload?: boolean): Promise<unknown> {
    // Inside a transaction every statement must see the transaction's own snapshot: inline.
    const reader =
      kind === 'run' || this.inline.inTransaction ? undefined : this.router.pick(sql, this.raw, offload);
    if (reader !== undefined) return this.offload(reader, kind as OffloadKind, sql, params);
    return this.inOrder(() => this.timed(kind, sql, params));
  }

  /** Awaited here, not chained with then(): a failure's stack keeps the caller's async frames. */
  private async offload(
    reader: ThreadConnection,
    kind: OffloadKind,
    sql: string,
    params: Params | undefined,
  ): Promise<unknown> {
    this.offloading++;
    try {
      return await this.router.send(reader, kind, sql, params);
    } finally {
      if (--this.offloading === 0) this.wake();
    }
  }

  /** Runs `fn` inline once the reads sent earlier are answered, so that statements keep call order. */
  private inOrder<T>(fn: () => Promise<T>): Promise<T> {
    if (this.offloading === 0) return fn();
    return new Promise<void>((resolve) => this.drained.push(resolve)).then(fn);
  }

  private timed(kind: Kind, sql: string, params: Params | undefined): Promise<unknown> {
    try {
      return Promise.resolve(this.runInline(kind, sql, params));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs a statement inline, in this thread, and teaches the router what a read cost. Throws. */
  private runInline(kind: Kind, sql: string, params: Params | undefined): unknown {
    const t0 = performance.now();
    const result =
      kind === 'get' || kind === 'all' || kind === 'run'
        ? this.inline.sync[kind](sql, params)
        : kind === 'values'
          ? (this.inline.values as NonNullable<DriverConnection['values']>)(sql, params)
          : (this.inline.getMany as NonNullable<DriverConnection['getMany']>)(
              sql,
              params as unknown as readonly Params[],
            );
    // Writes are never offloaded: no need to learn their cost.
    if (kind !== 'run') this.router.record(sql, performance.now() - t0);
    this.router.inline++;
    return result;
  }

  private wake(): void {
    const waiters = this.drained;
    this.drained = [];
    for (const wake of waiters) wake();
  }
}

/**
 * better-sqlite3 inline, with worker threads for the reads that would block the event loop: every
 * connection runs inline (the writer too), and a read-only statement outside a transaction whose
 * measured run time averages `offloadThresholdMs` or more runs on one of `readerThreads` threads
 * (one a core by default) instead, each holding a read-only connection to the same WAL file. A
 * statement's first run is inline and measured; from then on its moving average picks the side.
 * The threads start at the first read worth one (or at `ready()`), so a bot of point reads never
 * runs them; reads sent while a thread boots wait for it.
 * `lease.raw` is the inline handle. A reader thread that dies fails only the reads it was running
 * (CONNECTION_LOST: nothing was lost) and is started again; meanwhile reads run inline.
 *
 * @example
 * ```ts
 * const pool = createPool({ driver: hybridDriver({ filename: 'bot.db', offloadThresholdMs: 2 }) });
 * const top = await pool.read((db) => db.all('SELECT user, SUM(points) AS p FROM xp GROUP BY user'));
 * ```
 */
export function hybridDriver(options: HybridDriverOptions): HybridDriver {
  checkSharedFilename(options.filename, 'hybridDriver option "filename"');
  const threshold = options.offloadThresholdMs ?? 1;
  if (typeof threshold !== 'number' || !(threshold >= 0) || threshold > 3_600_000)
    throw new PoolError(
      'INVALID_OPTION',
      `hybridDriver option "offloadThresholdMs" must be a number from 0 to 3600000, got ${String(threshold)}`,
    );
  const readers = readerThreads(options.readerThreads, 'hybridDriver option "readerThreads"');
  checkLaneOption(options.lane, 'hybridDriver option "lane"');
  const inline = sqliteDriver(options);
  // The host calls back only once a thread starts, long after `shared` is set.
  const host = new ThreadHost(workerInput(options), readers, (link, slot) => shared.attach(link, slot));
  const shared = new OffloadRouter(host, threshold);
  return {
    name: 'better-sqlite3-hybrid',
    // Writes run inline: the inline driver's lane, closed by its dispose.
    writeGate: inline.writeGate,
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    maintenance: sqliteMaintenance,
    classify: classifySqliteError,
    host,
    ready: () => shared.ready(),
    routed: () => ({ inline: shared.inline, offloaded: shared.offloaded }),
    async open(role: ConnectionRole): Promise<DriverConnection> {
      const conn = (await inline.open(role)) as DriverConnection & { readonly sync: SyncStatements };
      return new HybridConnection(conn, shared);
    },
    async dispose(): Promise<void> {
      // Each thread closes its reader as it exits (a thread still booting has opened nothing).
      await host.dispose();
      await inline.dispose?.();
    },
  };
}
