import { Worker } from 'node:worker_threads';
import { PoolError } from '../../../core/errors.js';
import type {
  ConnectionRole,
  Driver,
  DriverConnection,
  Params,
  RunResult,
  StatementInfo,
} from '../../../core/driver.js';
import { checkSharedFilename } from '../../../core/limits.js';
import { classifySqliteError, THREAD_RESULT_LIMITS, type SqliteDriverOptions } from '../sqlite/sqlite.js';
import {
  fromWire,
  packParams,
  restoreRows,
  type Chunk,
  type FromWorker,
  type Batch,
  type Op,
  type Replies,
  type ToWorker,
  type WorkerInput,
} from './thread-protocol.js';

/** Options of the worker-thread driver: those of the inline driver, applied inside each worker. */
export type ThreadDriverOptions = SqliteDriverOptions;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  op: Op;
  sql: string;
  /** The caller's frames, captured when the request was made: a failed request's stack. */
  site: { stack?: string };
}

const COMMIT = /^\s*(COMMIT|END)\b/i;
/** Statement texts numbered per connection; past this many, new texts simply cross each time. */
const MAX_NUMBERED = 4096;

function emptyBatch(first: number): Batch {
  return { type: 'batch', first, ops: [], sql: [], params: [], arg: [], learn: [] };
}

/**
 * One SQLite connection living in its own worker thread. Every call is a numbered request;
 * requests made in the same turn of the event loop travel as one message, and the worker answers
 * them in order, many replies to a message, so a caller may keep many in flight.
 */
export class ThreadConnection implements DriverConnection {
  /** There is no better-sqlite3 handle in this thread: `lease.raw` throws NOT_SUPPORTED. */
  readonly raw = undefined;
  /** Resolves once the worker has opened its connection; rejects with the driver's own error. */
  readonly ready: Promise<void>;
  private inTx = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outbox: Batch = emptyBatch(1);
  private readonly numbers = new Map<string, number>();
  private flushing = false;
  private closing = false;
  /** Set once the worker is gone: the detail every later call is rejected with. */
  private lost: { detail: string; cause: Error } | undefined;
  private readonly lostListeners: ((cause: Error) => void)[] = [];
  /** Resolved once nothing is in flight; see {@link answered}. */
  private idleWaiters: (() => void)[] = [];
  private readonly exited: Promise<void>;

  /** @internal Use {@link threadDriver}. */
  constructor(readonly worker: Worker) {
    let opened: () => void = () => {};
    let openFailed: (err: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      openFailed = reject;
    });
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'replies') this.receive(message);
      else if (message.type === 'opened') opened();
      else openFailed(fromWire(message.error));
    });
    worker.on('error', (err) => {
      openFailed(err);
      this.die(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`the worker thread exited with code ${code}`);
      openFailed(err);
      this.die(err);
    });
    // An idle worker must not keep the process alive, any more than an inline connection would;
    // it stays referenced while it opens, while requests are in flight and once it is closing.
    void this.ready.then(
      () => this.pending.size === 0 && !this.closing && worker.unref(),
      () => {},
    );
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
    if (this.pending.size === 0) return undefined;
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
    // A worker may die between opening and the pool subscribing: tell a late listener too.
    const lost = this.lost;
    if (lost && !this.closing) queueMicrotask(() => listener(lostCause(lost)));
    else this.lostListeners.push(listener);
  }

  /** Closes the connection in the worker and lets the worker end; never throws. */
  async close(): Promise<void> {
    if (!this.lost && !this.closing) {
      this.closing = true;
      // Stay referenced until the worker has closed its database and ended.
      this.worker.ref();
      this.post({ type: 'close' });
    }
    await this.exited;
  }

  /** Stops the worker at once, as a crash would. */
  async terminate(): Promise<void> {
    // Referenced until it has stopped: `await pool.close()` must not find an empty event loop.
    this.worker.ref();
    await this.worker.terminate();
  }

  private request(
    op: Op,
    sql: string,
    params: Params | readonly Params[] | undefined,
    arg?: number,
  ): Promise<unknown> {
    if (this.lost) return Promise.reject(lostError(this.lost));
    if (this.closing) return Promise.reject(new PoolError('CONNECTION_LOST', 'the connection is closing'));
    const id = this.nextId++;
    // Frames are collected now and formatted only if the request fails.
    const site: { stack?: string } = {};
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only the frame to cut at, never called
    Error.captureStackTrace(site, this.request);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, op, sql, site });
      const box = this.outbox;
      box.ops.push(op);
      box.sql.push(this.number(sql, box));
      box.params.push(params === undefined || op === 'getMany' ? params : packParams(params));
      box.arg.push(arg);
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(this.flush);
      }
    });
  }

  private number(sql: string, box: Batch): string | number {
    let n = this.numbers.get(sql);
    if (n === undefined && this.numbers.size < MAX_NUMBERED) {
      n = this.numbers.size + 1;
      this.numbers.set(sql, n);
      box.learn.push([n, sql]);
    }
    return n ?? sql;
  }

  private readonly flush = (): void => {
    this.flushing = false;
    const batch = this.outbox;
    if (batch.ops.length === 0 || this.lost) return;
    this.outbox = emptyBatch(this.nextId);
    this.post(batch);
  };

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(replies: Replies): void {
    this.inTx = replies.inTx;
    const failed = replies.errors.length > 0 ? new Map(replies.errors) : undefined;
    const { first, values } = replies;
    for (let i = 0; i < values.length; i++) {
      const waiter = this.pending.get(first + i);
      if (waiter === undefined) continue;
      this.pending.delete(first + i);
      const error = failed?.get(i);
      if (error === undefined) waiter.resolve(restoreRows(waiter.op, values[i]));
      else waiter.reject(fromWire(error, waiter.site));
    }
    // A closing worker stays referenced until it exits: a reply that lands after close() began
    // (a statement still in flight) must not let the process end under `await pool.close()`.
    if (this.pending.size === 0) {
      if (!this.closing) this.worker.unref();
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The worker is gone: fail what was in flight, say what became of the transaction, tell the pool. */
  private die(cause: Error): void {
    if (this.lost) return;
    const detail = this.closing
      ? 'the connection was closed'
      : describeLoss(this.inTx, [...this.pending.values()]);
    this.lost = { detail, cause };
    this.inTx = false;
    this.outbox = emptyBatch(this.nextId);
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) waiter.reject(lostError(this.lost));
    this.wakeIdle();
    if (this.closing) return;
    for (const listener of this.lostListeners) listener(lostCause(this.lost));
  }
}

function lostCause(lost: { detail: string; cause: Error }): Error {
  return new Error(`worker thread lost: ${lost.detail}`, { cause: lost.cause });
}

function lostError(lost: { detail: string; cause: Error }): PoolError {
  return new PoolError('CONNECTION_LOST', lost.detail, { cause: lost.cause });
}

/**
 * SQLite rolls back whatever transaction a dying connection held, so the one open question is a
 * COMMIT (or an autocommit write) that was in flight: it may have landed just before the end.
 */
function describeLoss(inTx: boolean, inFlight: readonly Pending[]): string {
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

/** The worker body sits next to this file: `.ts` when run from source, `.js` once built. */
function spawnWorker(input: WorkerInput): Worker {
  const here = import.meta.url;
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const body = new URL(`./sqlite-worker${ext}`, here);
  if (ext === '.js') return new Worker(body, { workerData: input });
  // A worker does not inherit tsx's loader hooks from the main thread: register them first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(body.href)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}

/**
 * A better-sqlite3 driver that hosts each connection in its own `worker_threads` Worker, so heavy
 * queries run in parallel and never block the event loop. Connections open exactly as with
 * {@link sqliteDriver} (WAL, `synchronous=NORMAL`, read-only readers), inside the worker.
 * `lease.raw` is not offered. A worker that dies fails its in-flight requests with CONNECTION_LOST
 * (saying whether the transaction was rolled back) and the pool replaces the connection.
 *
 * @example
 * ```ts
 * const pool = createPool({ driver: threadDriver({ filename: 'bot.db' }), max: 3 });
 * const top = await pool.read((db) => db.all('SELECT user, SUM(points) AS p FROM xp GROUP BY user'));
 * ```
 */
export function threadDriver(options: ThreadDriverOptions): Driver {
  const live = new Set<ThreadConnection>();
  checkSharedFilename(options.filename, 'threadDriver option "filename"');
  const input = (role: ConnectionRole): WorkerInput => ({
    // Unset caps are the thread defaults: a result past the worker's heap would abort the process.
    options: {
      ...options,
      maxResultRows: options.maxResultRows ?? THREAD_RESULT_LIMITS.maxResultRows,
      maxResultBytes: options.maxResultBytes ?? THREAD_RESULT_LIMITS.maxResultBytes,
    },
    role,
  });
  return {
    name: 'better-sqlite3-threads',
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    classify: classifySqliteError,
    async open(role: ConnectionRole): Promise<DriverConnection> {
      const conn = new ThreadConnection(spawnWorker(input(role)));
      live.add(conn);
      void conn.worker.once('exit', () => live.delete(conn));
      await conn.ready;
      return conn;
    },
    async dispose(): Promise<void> {
      await Promise.all([...live].map((conn) => conn.terminate()));
    },
  };
}
