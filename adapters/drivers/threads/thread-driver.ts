import { sqliteMaintenance } from '../sqlite/maintenance.js';
import { laneGate } from '../../lane/lane-gate.js';
import { PoolError } from '../../../core/errors/errors.js';
import type {
  ConnectionRole,
  Driver,
  DriverConnection,
  Params,
  RunResult,
  StatementInfo,
} from '../../../core/driver.js';
import { checkSharedFilename } from '../sqlite/sqlite-options.js';
import { classifySqliteError, type SqliteDriverOptions } from '../sqlite/sqlite.js';
import { defaultReaderThreads, ThreadHost } from './thread-host.js';
import {
  guarded,
  type LinkListener,
  type Request,
  type RequestOwner,
  type ThreadLink,
} from './thread-link.js';
import {
  fromWire,
  packParams,
  RemoteFailure,
  type Chunk,
  type Op,
  type WorkerInput,
} from './thread-protocol.js';

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

const COMMIT = /^\s*(COMMIT|END)\b/i;

/**
 * One SQLite connection living in a worker thread, which may host other connections too. Every
 * call is a numbered request; requests made in the same turn of the event loop travel as one
 * message to the thread, and it answers them in order, so a caller may keep many in flight.
 */
export class ThreadConnection implements DriverConnection {
  /** There is no better-sqlite3 handle in this thread: `lease.raw` throws NOT_SUPPORTED. */
  readonly raw = undefined;
  /** Resolves once the worker has opened the connection; rejects with the driver's own error. */
  readonly ready: Promise<void>;
  private inTx = false;
  private inFlight = 0;
  private closing = false;
  /** Set once the connection is gone: the detail every later call is rejected with. */
  private lost: Lost | undefined;
  /** Why {@link abort} ended the connection, told at the end of what its requests reject with. */
  private aborted: Error | undefined;
  private readonly lostListeners: ((cause: Error) => void)[] = [];
  /** Resolved once nothing is in flight; see {@link answered}. */
  private idleWaiters: (() => void)[] = [];
  private readonly ended: Promise<void>;
  private readonly owner: RequestOwner = {
    settled: (req, inTx, ms) => {
      if (inTx === undefined) {
        if (--this.inFlight === 0) this.wakeIdle();
        return;
      }
      this.inTx = inTx;
      if (--this.inFlight === 0) this.wakeIdle();
      this.observe?.(req.sql, ms);
    },
  };

  /** @internal Use {@link threadDriver}. */
  constructor(
    /** @internal The thread that hosts the connection. */ readonly link: ThreadLink,
    private readonly id: number,
    role: ConnectionRole,
    /** Told how long each statement ran in the thread (ms). */
    private readonly observe?: (sql: string, ms: number) => void,
  ) {
    let opened: () => void = () => {};
    let openFailed: (err: Error) => void = () => {};
    let end: () => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      openFailed = reject;
    });
    this.ended = new Promise((resolve) => (end = resolve));
    const listener: LinkListener = {
      opened,
      openFailed: (err) => {
        openFailed(err);
        this.lost = { detail: 'the connection never opened', cause: err };
        end();
      },
      closed: end,
      lost: (cause, inFlight) => {
        openFailed(cause);
        this.die(cause, inFlight);
        end();
      },
    };
    link.open(id, role, listener);
  }

  /**
   * True unless the connection is lost or closing: it takes requests, and while it is still
   * opening they wait in order behind the open.
   */
  get accepting(): boolean {
    return this.lost === undefined && !this.closing;
  }

  /** True while a transaction is open, as of the latest reply from the worker. */
  get inTransaction(): boolean {
    return this.inTx;
  }

  /**
   * Resolves once every request sent so far is answered: `inTransaction` mirrors the worker's
   * last reply, so only then is it the connection's own state. `undefined` when none is in flight.
   */
  answered(): Promise<void> | undefined {
    if (this.inFlight === 0) return undefined;
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.request('run', sql, params) as Promise<RunResult>;
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.request('get', sql, params) as Promise<T | undefined>;
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.request('all', sql, params) as Promise<T[]>;
  }

  getMany<T>(sql: string, paramsList: readonly Params[]): Promise<(T | undefined)[]> {
    return this.request('getMany', sql, paramsList.map(packParams)) as Promise<(T | undefined)[]>;
  }

  exec(sql: string): Promise<void> {
    return this.request('exec', sql, undefined) as Promise<void>;
  }

  isReadonly(sql: string): Promise<boolean> {
    return this.request('readonly', sql, undefined) as Promise<boolean>;
  }

  values(sql: string, params?: Params): Promise<unknown[][]> {
    return this.request('values', sql, params) as Promise<unknown[][]>;
  }

  describe(sql: string): Promise<StatementInfo> {
    return this.request('describe', sql, undefined) as Promise<StatementInfo>;
  }

  /** A cursor in the worker; each chunk crosses when the consumer asks for it. */
  async *iterate<T>(sql: string, params: Params | undefined, chunkRows: number): AsyncIterableIterator<T[]> {
    let chunk = (await this.request('iterate', sql, params, chunkRows)) as Chunk;
    try {
      while (!chunk.done) {
        yield chunk.rows as T[];
        chunk = (await this.request('next', '', undefined, chunk.cursor)) as Chunk;
      }
    } finally {
      // Stopped early: close the cursor in the worker, or its connection stays busy.
      if (!chunk.done) await this.request('end', '', undefined, chunk.cursor).catch(() => undefined);
    }
  }

  onLost(listener: (cause: Error) => void): void {
    // A thread may die between opening and the pool subscribing: tell a late listener too.
    const lost = this.lost;
    if (lost && !this.closing) queueMicrotask(() => listener(lostCause(lost)));
    else this.lostListeners.push(listener);
  }

  /** Closes the connection in its thread; never throws. */
  async close(): Promise<void> {
    if (!this.lost && !this.closing) {
      this.closing = true;
      this.link.close(this.id);
    }
    await this.ended;
  }

  /**
   * Ends the connection's work at once: its thread is stopped (every connection on it is lost), and
   * every request in flight rejects with CONNECTION_LOST saying what became of the transaction,
   * then `reason`. What `pool.close()` does past `closeTimeoutMs`. Never throws.
   */
  abort(reason: Error): void {
    if (this.lost) return;
    this.aborted = reason;
    this.link.fail(reason);
  }

  /** Stops the connection's thread at once, as a crash would (every connection on it is lost). */
  async terminate(): Promise<void> {
    await this.link.terminate();
  }

  private async request(
    op: Op,
    sql: string,
    params: Params | readonly Params[] | undefined,
    arg?: number,
  ): Promise<unknown> {
    if (this.lost) throw lostError(this.lost);
    if (this.closing) throw new PoolError('CONNECTION_LOST', 'the connection is closing');
    try {
      return await new Promise((resolve, reject) => {
        this.inFlight++;
        this.link.request({ conn: this.id, op, sql, owner: this.owner, resolve, reject }, params, arg);
      });
    } catch (err) {
      // Built here, after the await: its stack gets the awaiting callers' frames for free.
      throw err instanceof RemoteFailure ? fromWire(err.wire) : err;
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The thread is gone: fail what was in flight, say what became of the transaction, tell the pool. */
  private die(cause: Error, inFlight: readonly Request[]): void {
    if (this.lost) return;
    const loss = describeLoss(this.inTx, inFlight);
    const detail = this.closing
      ? 'the connection was closed'
      : this.aborted
        ? `${loss} (${this.aborted.message})`
        : loss;
    this.lost = { detail, cause };
    this.inTx = false;
    this.inFlight = 0;
    for (const req of inFlight) req.reject(lostError(this.lost));
    this.wakeIdle();
    if (this.closing) return;
    // Each on its own: one that throws must not keep the others, or this connection's end, untold.
    for (const listener of this.lostListeners) guarded(() => listener(lostCause(this.lost as Lost)));
  }
}

/** What became of a lost connection's work, and why it was lost. */
interface Lost {
  detail: string;
  cause: Error;
}

function lostCause(lost: Lost): Error {
  return new Error(`worker thread lost: ${lost.detail}`, { cause: lost.cause });
}

/** @internal */
export function lostError(lost: { detail: string; cause: Error }): PoolError {
  return new PoolError('CONNECTION_LOST', lost.detail, { cause: lost.cause });
}

/**
 * SQLite rolls back whatever transaction a dying connection held, so the one open question is a
 * COMMIT (or an autocommit write) that was in flight: it may have landed just before the end.
 * @internal
 */
export function describeLoss(inTx: boolean, inFlight: readonly Request[]): string {
  const base = 'the worker thread hosting the connection stopped';
  if (inFlight.some((p) => COMMIT.test(p.sql))) {
    return `${base} while a COMMIT was in flight: the transaction may or may not have been committed, check before retrying`;
  }
  if (inTx)
    return `${base} inside a transaction: SQLite rolled the transaction back, none of its writes were committed`;
  const writes = inFlight.filter((p) => p.op === 'run' || p.op === 'exec').length;
  if (writes > 0) {
    return `${base} outside a transaction with ${writes} statement(s) in flight: each may or may not have taken effect`;
  }
  return `${base} outside a transaction with no write in flight: nothing was lost`;
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
  const onDisk =
    options.filename !== ':memory:' && options.filename !== '' && !options.filename.startsWith('file:');
  const gate = options.lane === false || !onDisk ? undefined : laneGate(options.filename);
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
