import type {
  DriverConnection,
  Params,
  ReadOptions,
  RunResult,
  StatementInfo,
  SyncStatements,
} from '../driver.js';
import { sqlError } from './arguments.js';
import { showValue } from '../errors/show-value.js';
import { PoolError } from '../errors/errors.js';
import { closeCursors, openCursor, type CursorOwner } from './lease-cursor.js';
import type { LeasedConnection } from './leased-connection.js';
import { afterTurn, type TurnBudget } from './turn-budget.js';
import { checkBeforeCommit, StatementLog, warnUnseen } from './statement-log.js';

/** `read` leases share many connections; `write` leases take the single write lane on SQLite. */
export type LeaseMode = 'read' | 'write';

type Kind = 'run' | 'get' | 'all' | 'values' | 'exec';

const COMMIT = /^\s*(COMMIT|END)\b/i;

/** What a lease needs from the pool that granted it. @internal */
export interface LeaseHost {
  /** Takes the connection back; called once per lease. */
  checkin(lease: Lease): void;
  /** Counts a second release() of a lease. */
  doubleRelease(): void;
  /** Resolves what the lease served in this thread: now, or after a turn of the event loop. */
  readonly turns: TurnBudget;
  /** Turns a driver error into what the caller sees; may wait and retry a busy statement. */
  onError(lease: Lease, err: unknown, retry: () => Promise<unknown>): Promise<unknown>;
}

/**
 * A connection lent to one holder until `release()`. Statements are async and take positional
 * (`?`) or named (`@name`) parameters. A statement after release rejects with LEASE_RELEASED at
 * once, and one after the pool revoked the lease with LEASE_REVOKED; a second release throws.
 *
 * @example
 * ```ts
 * const lease = await pool.acquire({ mode: 'write' });
 * try {
 *   await lease.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['ann', 10]);
 * } finally {
 *   lease.release();
 * }
 * ```
 */
export class Lease {
  #released = false;
  /** Cursors of `iterate()` not yet run out or ended: release closes them. */
  #cursors: Set<AsyncIterator<unknown>> | undefined;
  /**
   * A write lease's statements in flight and failed: COMMIT waits for them, and rolls back past
   * a failure its holder never awaited (core/lease/statement-log.ts). Read leases commit nothing. @internal
   */
  readonly log: StatementLog | undefined;
  /** The promise of this read lease's last statement served in this thread and resolved at once. */
  #resolved: Promise<unknown> | undefined;
  /** What `#resolved` resolved to. */
  #resolvedValue: unknown;

  /** @internal */
  constructor(
    private readonly host: LeaseHost,
    /** @internal */ readonly entry: LeasedConnection,
    readonly mode: LeaseMode,
    /** When the lease was granted, on the pool's clock (ms). */
    readonly grantedAt: number,
  ) {
    this.log = mode === 'write' ? new StatementLog() : undefined;
  }

  /**
   * True when `value` is the promise of this lease's last statement, served in this thread and
   * resolved at once: a `pool.read` callback that returns it has settled already. @internal
   */
  resolvedAtOnce(value: unknown): boolean {
    return value === this.#resolved && value !== undefined;
  }

  /** The value of the promise {@link resolvedAtOnce} recognised. @internal */
  get resolvedValue(): unknown {
    return this.#resolvedValue;
  }

  /** True once `release()` has been called. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * True once the pool took the connection back while this lease held it: `close()` stopped waiting
   * after `closeTimeoutMs`, or the connection failed. Every later statement rejects with
   * LEASE_REVOKED, and the transaction the lease had open is rolled back, never committed.
   */
  get revoked(): boolean {
    return this.entry.revoked !== undefined;
  }

  /** True while a transaction is open on the leased connection. */
  get inTransaction(): boolean {
    this.assertLive();
    return this.entry.conn.inTransaction;
  }

  /**
   * The driver's own handle (a better-sqlite3 `Database`) for synchronous inline use. Valid only
   * until `release()`. Throws NOT_SUPPORTED on drivers that have no handle in this thread.
   */
  get raw(): unknown {
    this.assertLive();
    const raw = this.entry.conn.raw;
    if (raw === undefined)
      throw new PoolError('NOT_SUPPORTED', 'this driver has no raw handle in this thread');
    return raw;
  }

  /** Runs a statement that may write; resolves to `{ changes, lastInsertRowid }`. */
  run(sql: string, params?: Params): Promise<RunResult> {
    return this.call('run', sql, params) as Promise<RunResult>;
  }

  /**
   * Runs a query and resolves to its first row, or `undefined`. `options.offload` picks the side
   * on the hybrid driver (`threads: true`): `true` a reader thread, `false` inline.
   *
   * @example
   * ```ts
   * const top = await pool.read((db) => db.get('SELECT MAX(points) AS p FROM xp', [], { offload: true }));
   * ```
   */
  get<T = Record<string, unknown>>(
    sql: string,
    params?: Params,
    options?: ReadOptions,
  ): Promise<T | undefined> {
    return this.call('get', sql, params, options) as Promise<T | undefined>;
  }

  /** Runs a query and resolves to all its rows; `options` as for {@link Lease.get}. */
  all<T = Record<string, unknown>>(sql: string, params?: Params, options?: ReadOptions): Promise<T[]> {
    return this.call('all', sql, params, options) as Promise<T[]>;
  }

  /**
   * Runs a query and resolves to its rows as arrays of column values, in column order. Unlike
   * `all()`, columns that share a name (a join's two `id`s) are all kept. Query builders that map
   * columns by position (Drizzle) need this. Rejects NOT_SUPPORTED on drivers without array rows.
   */
  values(sql: string, params?: Params): Promise<unknown[][]> {
    const refused = this.refusal('values', sql);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.entry.conn.values === undefined)
      return Promise.reject(new PoolError('NOT_SUPPORTED', 'this driver cannot return rows as arrays'));
    return this.call('values', sql, params) as Promise<unknown[][]>;
  }

  /**
   * Whether `sql` only reads, as the driver judges it (SQLite: `sqlite3_stmt_readonly`; PostgreSQL:
   * a prefix check). For the caller: the adapters pick a lane with {@link describe}. Rejects if
   * `sql` does not prepare.
   */
  isReadonly(sql: string): Promise<boolean> {
    const refused = this.refusal('isReadonly', sql);
    if (refused !== undefined) return Promise.reject(refused);
    return this.entry.conn.isReadonly(sql);
  }

  /**
   * Prepares `sql` without running it and tells what the database says of it: whether it only
   * reads, whether it returns rows, its column names. Adapters use it for SQL they cannot classify
   * from a query tree; it never guesses from the text. Rejects if `sql` does not prepare, and with
   * NOT_SUPPORTED on drivers that cannot tell.
   *
   * @example
   * ```ts
   * const { readonly, reader } = await lease.describe('PRAGMA user_version');
   * ```
   */
  describe(sql: string): Promise<StatementInfo> {
    const refused = this.refusal('describe', sql);
    if (refused !== undefined) return Promise.reject(refused);
    const conn = this.entry.conn;
    if (conn.describe === undefined)
      return Promise.reject(new PoolError('NOT_SUPPORTED', 'this driver cannot describe a statement'));
    return conn.describe(sql);
  }

  /**
   * Runs one query once per parameter set and resolves to each first row (or `undefined`), in
   * order. On the worker-thread driver the whole list crosses to the worker in one message, which
   * is the fastest way to run many point queries there.
   *
   * @example
   * ```ts
   * const rows = await pool.read((db) => db.getMany('SELECT points FROM xp WHERE user = ?', [['ann'], ['bob']]));
   * ```
   */
  getMany<T = Record<string, unknown>>(
    sql: string,
    paramsList: readonly Params[],
  ): Promise<(T | undefined)[]> {
    const refused =
      this.refusal('getMany', sql) ?? (Array.isArray(paramsList) ? undefined : sqlListError(paramsList));
    if (refused !== undefined) return Promise.reject(refused);
    const conn = this.entry.conn;
    const attempt = (): Promise<unknown> =>
      conn.getMany ? conn.getMany(sql, paramsList) : Promise.all(paramsList.map((p) => conn.get(sql, p)));
    const again = (): Promise<unknown> => {
      this.assertHeld();
      return attempt();
    };
    return attempt().catch((err: unknown) => this.host.onError(this, err, again)) as Promise<
      (T | undefined)[]
    >;
  }

  /**
   * Runs a query and yields its rows in chunks of at most `chunkRows` (default 100), reading each
   * chunk only when the loop asks for it: a result larger than memory, or than `maxResultRows`,
   * streams. On worker threads each chunk crosses from the worker on demand, as inline it is read
   * from SQLite on demand. Leaving the loop early closes the cursor; until then the connection
   * runs nothing else. Throws NOT_SUPPORTED on drivers without cursors, at the call.
   *
   * @example
   * ```ts
   * for await (const rows of lease.iterate<{ user: string }>('SELECT user FROM xp', [], 500)) {
   *   for (const row of rows) console.log(row.user);
   * }
   * ```
   */
  iterate<T = Record<string, unknown>>(
    sql: string,
    params?: Params,
    chunkRows = 100,
  ): AsyncIterableIterator<T[]> {
    this.assertLive();
    return openCursor<T>(this.entry.conn, sql, params, chunkRows, this.#cursorOwner());
  }

  /** Runs SQL without parameters or results: DDL, or several statements separated by `;`. */
  exec(sql: string): Promise<void> {
    return this.call('exec', sql, undefined) as Promise<void>;
  }

  /**
   * {@link exec} for the pool's own BEGIN and COMMIT: undefined when the statement ran in this
   * thread now and succeeded, so that the pool has no promise to await. @internal
   */
  execNow(sql: string): Promise<void> | undefined {
    const log = this.log;
    const sync = log === undefined || log.busy || this.#released ? undefined : this.inlineNow('exec', sql);
    if (sync === undefined || this.entry.revoked !== undefined) return this.exec(sql);
    try {
      (sync.exec as (sql: string) => void)(sql);
    } catch (err) {
      return (log as StatementLog).track(this.failed('exec', sql, undefined, err)) as Promise<void>;
    }
    return undefined;
  }

  /**
   * Gives the connection back. A transaction left open is rolled back first. A second call throws
   * DOUBLE_RELEASE and changes nothing.
   */
  release(): void {
    if (this.#released) {
      this.host.doubleRelease();
      throw new PoolError('DOUBLE_RELEASE');
    }
    this.#released = true;
    // A failure nobody awaited and no COMMIT reported: say so rather than lose it.
    if (this.log?.busy) warnUnseen(this.log.takeUnseen('before release()'));
    const cursors = this.#cursors;
    if (cursors === undefined || cursors.size === 0) return this.host.checkin(this);
    this.#cursors = undefined;
    void closeCursors(cursors).then(() => this.host.checkin(this));
  }

  #cursorOwner(): CursorOwner {
    return {
      live: () => this.assertLive(),
      held: () => this.assertHeld(),
      onError: (err, retry) => this.host.onError(this, err, retry),
      cursors: (this.#cursors ??= new Set()),
    };
  }

  private assertLive(): void {
    const refused = this.refusal('', '');
    if (refused !== undefined) throw refused;
  }

  /** Why a statement must not run: the lease is gone, or `sql` is no string. Never throws. */
  private refusal(call: string, sql: unknown): PoolError | undefined {
    if (this.#released) return new PoolError('LEASE_RELEASED');
    const revoked = this.entry.revoked;
    if (revoked !== undefined)
      return new PoolError('LEASE_REVOKED', revoked.detail, { cause: revoked.cause });
    return typeof sql === 'string' ? undefined : sqlError(`lease.${call}`, sql);
  }

  /**
   * Before a busy statement's next attempt: the holder may have released the lease (or the pool
   * revoked it) while the statement waited, and the connection may already serve someone else,
   * inside their transaction. The statement has not run; it must not run there.
   */
  private assertHeld(): void {
    if (this.#released)
      throw new PoolError(
        'LEASE_RELEASED',
        'the lease was released while this statement waited out SQLITE_BUSY; the statement never ran',
      );
    this.assertLive();
  }

  private call(kind: Kind, sql: string, params: Params | undefined, options?: ReadOptions): Promise<unknown> {
    const refused = this.refusal(kind, sql);
    if (refused !== undefined) return Promise.reject(refused);
    const log = this.log;
    if (log === undefined) return this.statement(kind, sql, params, options);
    if (log.busy && (kind === 'exec' || kind === 'run') && COMMIT.test(sql)) {
      // Not tracked itself: it waits for the statements before it, and would wait for itself.
      const rollback = (): Promise<void> => this.invoke('exec', 'ROLLBACK', undefined) as Promise<void>;
      return checkBeforeCommit(this, log, rollback).then(() => this.statement(kind, sql, params, options));
    }
    // Run in this thread now and succeeded: nothing for COMMIT to wait for, no failure to
    // report. Tracking it cost the write lane three promises a statement.
    const sync = options === undefined ? this.inlineNow(kind, sql) : undefined;
    if (sync === undefined) return log.track(this.statement(kind, sql, params, options));
    let result: unknown;
    try {
      result = kind === 'exec' ? (sync.exec as (sql: string) => void)(sql) : sync[kind as 'run'](sql, params);
    } catch (err) {
      return log.track(this.failed(kind, sql, params, err));
    }
    return Promise.resolve(result);
  }

  /** The connection's synchronous statements, when they serve `kind` of `sql` now. */
  private inlineNow(kind: Kind, sql: string): SyncStatements | undefined {
    const conn = this.entry.conn;
    const sync = conn.sync;
    if (sync === undefined || kind === 'values' || (kind === 'exec' && sync.exec === undefined))
      return undefined;
    return conn.syncServes === undefined || conn.syncServes(kind, sql) ? sync : undefined;
  }

  private statement(
    kind: Kind,
    sql: string,
    params: Params | undefined,
    options: ReadOptions | undefined,
  ): Promise<unknown> {
    const conn = this.entry.conn;
    if (options !== undefined) {
      const read = (): Promise<unknown> =>
        kind === 'get' ? conn.get(sql, params, options) : conn.all(sql, params, options);
      return read().catch((err: unknown) =>
        this.host.onError(this, err, () => {
          this.assertHeld();
          return read();
        }),
      );
    }
    const sync = kind === 'exec' ? undefined : this.inlineNow(kind, sql);
    if (sync !== undefined) {
      // Same outcome as the async path, one promise fewer: the statement runs in this thread.
      try {
        const result = sync[kind as 'run'](sql, params);
        // A write lease holds the one write lane: a turn spent inside it is every writer's wait.
        // Its grant yielded already; a read yields here, so a read loop lets timers and I/O in.
        if (this.mode === 'write') return Promise.resolve(result);
        if (this.host.turns.due()) return afterTurn(result);
        this.#resolvedValue = result;
        return (this.#resolved = Promise.resolve(result));
      } catch (err) {
        return this.failed(kind, sql, params, err);
      }
    }
    return this.invoke(kind, sql, params).catch((err: unknown) => this.failed(kind, sql, params, err));
  }

  /** What a statement's failure `err` becomes: the pool's handling, a busy one retried while held. */
  private failed(kind: Kind, sql: string, params: Params | undefined, err: unknown): Promise<unknown> {
    return this.host.onError(this, err, () => this.again(kind, sql, params));
  }

  /** A retry of a statement that failed busy: sent only while the lease is still held. */
  private again(kind: Kind, sql: string, params: Params | undefined): Promise<unknown> {
    this.assertHeld();
    return this.invoke(kind, sql, params);
  }

  private invoke(kind: Kind, sql: string, params: Params | undefined): Promise<unknown> {
    const conn = this.entry.conn;
    return kind === 'exec'
      ? conn.exec(sql)
      : kind === 'run'
        ? conn.run(sql, params)
        : kind === 'values'
          ? (conn.values as NonNullable<DriverConnection['values']>)(sql, params)
          : conn[kind](sql, params);
  }
}

function sqlListError(paramsList: unknown): PoolError {
  return new PoolError(
    'INVALID_ARGUMENT',
    `lease.getMany() takes an array of parameter sets as its second argument, got ${showValue(paramsList)}`,
  );
}
