import type { DriverConnection, Params, RunResult, StatementInfo } from '../adapters/driver.js';
import { PoolError } from './errors.js';

/** `read` leases share many connections; `write` leases take the single write lane on SQLite. */
export type LeaseMode = 'read' | 'write';

type Kind = 'run' | 'get' | 'all' | 'values' | 'exec';

/** What a lease needs from the pool that granted it. Internal. */
export interface LeaseHost {
  /** Takes the connection back; called once per lease. */
  checkin(lease: Lease): void;
  /** Counts a second release() of a lease. */
  doubleRelease(): void;
  /** Turns a driver error into what the caller sees; may wait and retry a busy statement. */
  onError(lease: Lease, err: unknown, retry: () => Promise<unknown>): Promise<unknown>;
}

/** The part of a pool entry a lease touches. Internal. */
export interface LeasedConnection {
  readonly conn: DriverConnection;
}

/**
 * A connection lent to one holder until `release()`. Statements are async and take positional
 * (`?`) or named (`@name`) parameters. Use after release, or a second release, throws a
 * PoolError at once.
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

  /** @internal */
  constructor(
    private readonly host: LeaseHost,
    /** @internal */ readonly entry: LeasedConnection,
    readonly mode: LeaseMode,
    /** When the lease was granted, on the pool's clock (ms). */
    readonly grantedAt: number,
  ) {}

  /** True once `release()` has been called. */
  get released(): boolean {
    return this.#released;
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

  /** Runs a query and resolves to its first row, or `undefined`. */
  get<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined> {
    return this.call('get', sql, params) as Promise<T | undefined>;
  }

  /** Runs a query and resolves to all its rows. */
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    return this.call('all', sql, params) as Promise<T[]>;
  }

  /**
   * Runs a query and resolves to its rows as arrays of column values, in column order. Unlike
   * `all()`, columns that share a name (a join's two `id`s) are all kept. Query builders that map
   * columns by position (Drizzle) need this. Throws NOT_SUPPORTED on drivers without array rows.
   */
  values(sql: string, params?: Params): Promise<unknown[][]> {
    this.assertLive();
    if (this.entry.conn.values === undefined)
      return Promise.reject(new PoolError('NOT_SUPPORTED', 'this driver cannot return rows as arrays'));
    return this.call('values', sql, params) as Promise<unknown[][]>;
  }

  /**
   * Whether `sql` only reads, as the driver judges it (SQLite: `sqlite3_stmt_readonly`). Adapters
   * use it to pick a lane for SQL they cannot classify otherwise. Rejects if `sql` does not prepare.
   */
  isReadonly(sql: string): Promise<boolean> {
    this.assertLive();
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
    this.assertLive();
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
    this.assertLive();
    const conn = this.entry.conn;
    const attempt = (): Promise<unknown> =>
      conn.getMany ? conn.getMany(sql, paramsList) : Promise.all(paramsList.map((p) => conn.get(sql, p)));
    return attempt().catch((err: unknown) => this.host.onError(this, err, attempt)) as Promise<
      (T | undefined)[]
    >;
  }

  /** Runs SQL without parameters or results: DDL, or several statements separated by `;`. */
  exec(sql: string): Promise<void> {
    return this.call('exec', sql, undefined) as Promise<void>;
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
    this.host.checkin(this);
  }

  private assertLive(): void {
    if (this.#released) throw new PoolError('LEASE_RELEASED');
  }

  private call(kind: Kind, sql: string, params: Params | undefined): Promise<unknown> {
    this.assertLive();
    const sync = this.entry.conn.sync;
    if (sync !== undefined && (kind === 'get' || kind === 'all' || kind === 'run')) {
      // Same outcome as the async path, one promise fewer: the statement runs in this thread.
      try {
        return Promise.resolve(sync[kind](sql, params));
      } catch (err) {
        return this.host.onError(this, err, () => this.invoke(kind, sql, params));
      }
    }
    return this.invoke(kind, sql, params).catch((err: unknown) =>
      this.host.onError(this, err, () => this.invoke(kind, sql, params)),
    );
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
