import type { Handling } from './errors/diagnose.js';

/**
 * The seam between the pool and a database. The core depends on these types only and never
 * imports a driver: better-sqlite3 inline, worker threads and PostgreSQL all implement them.
 */

/** Parameters of a statement: positional (`?`, `$1`) or named (`@name`, `:name`). */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

/** What a statement that writes reports. */
export interface RunResult {
  /** Rows changed by the statement. */
  changes: number;
  /** The rowid of the last inserted row (SQLite); `undefined` where the database has none. */
  lastInsertRowid: number | bigint | undefined;
}

/**
 * The role the pool opens a connection for. Single-writer databases get one `writer` and many
 * `reader` connections; the driver opens readers read-only so that a write on a read lease fails
 * loudly instead of contending for the lock. Multi-writer databases open every connection as `any`.
 */
export type ConnectionRole = 'writer' | 'reader' | 'any';

/** What the database itself says about one statement, without running it. */
export interface StatementInfo {
  /** It does not write (SQLite: `sqlite3_stmt_readonly`, better-sqlite3's `statement.readonly`). */
  readonly readonly: boolean;
  /** It returns rows (better-sqlite3's `statement.reader`): run it with `all`, not `run`. */
  readonly reader: boolean;
  /** The names of the columns it returns, in order; empty when it returns no rows. */
  readonly columns: readonly string[];
}

/**
 * Per-call choices for a read.
 *
 * @example
 * ```ts
 * const rows = await pool.read((db) => db.all('SELECT * FROM xp ORDER BY points DESC', [], { offload: true }));
 * ```
 */
export interface ReadOptions {
  /**
   * Hybrid driver (`threads: true`): `true` runs the read on a reader thread, `false` inline,
   * whatever its measured run time says. Outside a transaction only; other drivers ignore it.
   */
  readonly offload?: boolean;
}

/** Synchronous `run`, `get` and `all` (and `exec`), for a connection that lives in this thread. */
export interface SyncStatements {
  run(sql: string, params?: Params): RunResult;
  get<T = Record<string, unknown>>(sql: string, params?: Params): T | undefined;
  all<T = Record<string, unknown>>(sql: string, params?: Params): T[];
  /** Optional: a write lease's `exec` (BEGIN, COMMIT) then runs without the connection's promise. */
  exec?(sql: string): void;
}

/** One open database connection, as the pool drives it. */
export interface DriverConnection {
  /** Runs a statement that may write. */
  run(sql: string, params?: Params): Promise<RunResult>;
  /** Runs a query and returns its first row. */
  get<T = Record<string, unknown>>(
    sql: string,
    params?: Params,
    options?: ReadOptions,
  ): Promise<T | undefined>;
  /** Runs a query and returns all its rows. */
  all<T = Record<string, unknown>>(sql: string, params?: Params, options?: ReadOptions): Promise<T[]>;
  /**
   * Runs a query and returns its rows as arrays of values in column order (better-sqlite3's
   * `raw` mode). Optional: `Lease.values()` throws NOT_SUPPORTED on drivers without it.
   */
  values?(sql: string, params?: Params): Promise<unknown[][]>;
  /**
   * Runs one query once per parameter set and returns each first row, in order. Optional: the
   * lease falls back to one `get` per set. The worker-thread driver sends the sets in one message.
   */
  getMany?<T = Record<string, unknown>>(
    sql: string,
    paramsList: readonly Params[],
  ): Promise<(T | undefined)[]>;
  /**
   * Runs a query and hands its rows over in chunks of at most `chunkRows`, reading the next chunk
   * only when the previous one was taken: a result larger than memory (or than `maxResultRows`)
   * streams. The connection runs nothing else until the iterator ends or is returned. Optional:
   * `Lease.iterate()` throws NOT_SUPPORTED on drivers without it.
   */
  iterate?<T = Record<string, unknown>>(
    sql: string,
    params: Params | undefined,
    chunkRows: number,
  ): AsyncIterableIterator<T[]>;
  /** Runs one or more statements without parameters or results (DDL, BEGIN, COMMIT). */
  exec(sql: string): Promise<void>;
  /** True while a transaction is open on this connection. */
  readonly inTransaction: boolean;
  /**
   * Optional, for drivers that answer statements later than they are sent (worker threads): a
   * promise that resolves once every statement sent so far is answered, so that `inTransaction`
   * is the connection's own state again; `undefined` when nothing is in flight. The pool waits on
   * it before deciding whether a returned connection needs a ROLLBACK. Never rejects.
   */
  answered?(): Promise<void> | undefined;
  /**
   * Optional: undoes what the holder changed in the session (settings, temporary tables,
   * listeners) before the next holder gets the connection; `undefined` when nothing needs undoing,
   * so a clean lease costs nothing. The pool calls it on release, after any ROLLBACK; a rejection
   * fails the connection, which is then replaced.
   */
  resetSession?(): Promise<void> | undefined;
  /**
   * Whether `sql` only reads, as `Lease.isReadonly()` answers it. Nothing in the pool picks a lane
   * with it: the lane router (the bot facade, Kysely, Drizzle) asks {@link describe}.
   */
  isReadonly(sql: string): Promise<boolean>;
  /**
   * Prepares `sql` and tells what the database says of it (read-only, returns rows, columns).
   * Optional: `Lease.describe()` throws NOT_SUPPORTED on drivers without it. Rejects if `sql` does
   * not prepare.
   */
  describe?(sql: string): Promise<StatementInfo>;
  /**
   * Optional synchronous forms of `run`, `get` and `all`. Where given, the lease calls them and
   * wraps the result itself, saving a promise per statement on the hot path.
   */
  readonly sync?: SyncStatements;
  /**
   * Present when `sync` serves only some statements: whether it serves this one now. A hybrid
   * connection sends the reads it measured as expensive to a thread, and runs nothing inline while
   * one of them is out (statements keep call order). Absent: `sync`, where given, serves every
   * `run`, `get`, `all` and `exec`.
   */
  syncServes?(kind: 'run' | 'get' | 'all' | 'exec', sql: string): boolean;
  /** The driver's own handle for inline use, where the driver has one in this thread. */
  readonly raw: unknown;
  /** Closes the connection; never throws for an already broken one. */
  close(): Promise<void>;
  /**
   * Optional, for drivers whose statements run outside this thread (worker threads): ends the
   * connection's work at once, failing every request in flight (CONNECTION_LOST, whose message
   * ends with `reason`'s), and loses the connection as a crash would. `pool.close()` calls it past
   * `closeTimeoutMs` on a connection that still owes answers. Never throws.
   */
  abort?(reason: Error): void;
  /**
   * Called by the driver when the connection dies on its own (a worker thread crashed, the
   * server closed the socket). The pool fails the connection actor and replaces it.
   */
  onLost?: (listener: (cause: Error) => void) => void;
}

/** The facts about a driver the pool needs to schedule it. */
export interface DriverTraits {
  /** `sqlite` or `postgres`: statements, transactions and stats SQL differ. */
  readonly dialect: 'sqlite' | 'postgres';
  /** SQLite: one writer at a time, so the pool keeps a write lane of one connection. */
  readonly singleWriter: boolean;
  /** The SQL that opens a write transaction (`BEGIN IMMEDIATE` on SQLite). */
  readonly beginWrite: string;
  /**
   * Optional: the pool's `maxLifetimeMs` when the pool options leave it unset, for drivers whose
   * own options name a lifetime (`postgresDriver({ maxLifetimeMs })`). The pool retires such
   * connections itself, as replacements, never as failures.
   */
  readonly maxLifetimeMs?: number;
  /**
   * Optional: the upkeep this database offers, which the pool runs on its write lane at its own
   * times (`pool.optimize()`, close, after writes). A driver without it gets none.
   */
  readonly maintenance?: Maintenance;
}

/** What maintenance runs its statements on: the pool's own write lease, or the writer at close. */
export interface MaintenanceTarget {
  exec(sql: string): Promise<void>;
  get(sql: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * The upkeep a database offers the pool (the SQLite drivers: the planner's statistics and the
 * write-ahead log's checkpoints). The pool decides when; the driver owns the statements.
 *
 * @example
 * ```ts
 * const driver: Driver = { ...sqliteDriver({ filename }), maintenance: undefined }; // no upkeep
 * ```
 */
export interface Maintenance {
  /** `pool.optimize()`: refreshes the planner's statistics and folds what it can of the log back. */
  optimize(db: MaintenanceTarget): Promise<void>;
  /** Before the pool closes its writer: the same, folding the whole log back. May reject. */
  tidy(db: MaintenanceTarget): Promise<void>;
  /** How far the log has grown (frames), changing nothing; the log watch reads it after writes. */
  logSize(db: MaintenanceTarget): Promise<number>;
  /**
   * Starts the log again from the top, when no reader still uses it: `restarted: false` when one
   * did (perhaps in another process), so the watch tries again at the next gap. `size` is after.
   */
  restartLog(db: MaintenanceTarget): Promise<{ restarted: boolean; size: number }>;
}

/**
 * How the pool treats an error a statement raised; see {@link Driver.classify}. The same union as
 * {@link Handling}, under its older name.
 * @deprecated Use `Handling`: one union, one name.
 */
export type ErrorClass = Handling;

/** What a {@link WriteGate} has seen, for `stats().lane`. */
export interface WriteGateStats {
  /** Times this pool asked for the lane and queued behind another process. */
  readonly waits: number;
  /** Time spent waiting for the lane, summed over those waits (ms). */
  readonly waitMs: number;
  /** Processes connected to the coordinator at its last count, this one included. */
  readonly processes: number;
  /** Times the pool wrote without the coordinator (unreachable), relying on the file lock alone. */
  readonly fallbacks: number;
  /** True while this process hosts the coordinator. */
  readonly hosting: boolean;
}

/**
 * Optional: a write lane shared with the other processes that write the same database. The pool
 * enters it before it lends its write connection and leaves it when it hands the lane to another
 * process, so writers in every process take turns in arrival order instead of racing for the
 * database's own lock. The gate is an optimisation, never the safety: the database's lock still
 * serializes writes, and a gate that cannot coordinate lets the pool in at once (a fallback).
 */
export interface WriteGate {
  /** Resolves once this process holds the lane (or the gate fell back). Never rejects. */
  enter(): Promise<void>;
  /** Gives the lane back. */
  leave(): void;
  /** True while another process waits for the lane this process holds: hand over soon. */
  readonly contended: boolean;
  /** Processes connected to the coordinator at its last count, this one included (as in `stats()`). */
  readonly processes: number;
  /** Called when another process starts waiting for the lane this process holds. */
  onYield(listener: () => void): void;
  stats(): WriteGateStats;
}

/** A factory of connections. */
export interface Driver extends DriverTraits {
  /** A short name for stats and errors, such as `better-sqlite3`. */
  readonly name: string;
  /** Opens one connection for the given role. Rejects with the driver's own error. */
  open(role: ConnectionRole): Promise<DriverConnection>;
  /**
   * Sorts an error raised by a statement on this driver's connections:
   * - `busy`: the other side holds the write lock and the statement had no effect, so the pool
   *   may wait and retry it (SQLite's SQLITE_BUSY outside a transaction);
   * - `read-only`: a write on a connection opened as a reader;
   * - `fatal`: the connection itself is unusable and must be replaced;
   * - `statement`: anything else, the caller's to handle.
   */
  classify(err: unknown): Handling;
  /** Releases what the driver holds beyond its connections (worker threads, temp files). */
  dispose?(): Promise<void>;
  /** Optional: the cross-process write lane for this database; `dispose()` closes it. */
  readonly writeGate?: WriteGate;
}

/** How the built-in driver runs: inline, hybrid (`threads: true`) or every connection in a thread. */
export type ThreadMode = false | 'hybrid' | 'all';

/**
 * The checks of the `createPool` options that configure the built-in driver (`filename`,
 * `threads`, `readerThreads`, `offloadThresholdMs`, `pragmas`). They are the drivers' to make; the
 * composition root hands them to the pool with its wiring (`defaultWiring.checks`). Each throws
 * INVALID_OPTION.
 *
 * @example
 * ```ts
 * const wiring: PoolWiring = { ...defaultWiring, statsTable: myWriter }; // keeps the checks
 * ```
 */
export interface BuiltInOptionChecks {
  /** A database file every connection of the pool shares. */
  filename(filename: unknown): void;
  /** The `threads` option, checked against `driver` and `readerThreads`. */
  threadMode(threads: unknown, withDriver: boolean, readerThreads: unknown): ThreadMode;
  /** The `offloadThresholdMs` option (ms), for hybrid mode only. */
  offloadThreshold(value: unknown, mode: ThreadMode): number;
  /** The `pragmas` option. */
  pragmas(value: unknown): void;
  /** The `crossProcessLane` option when given: refused where the driver keeps no lane. */
  lane?(requested: unknown): void;
}
