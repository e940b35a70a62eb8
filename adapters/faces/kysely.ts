import {
  CompiledQuery,
  IdentifierNode,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  RawNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  createQueryId,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type MigrationLockOptions,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import type { Pool } from '../../core/pool.js';
import { PoolError } from '../../core/errors/errors.js';
import { showValue } from '../../core/errors/show-value.js';
import { RoasPoolConnection, control } from './kysely-connection.js';

export { RoasPoolConnection } from './kysely-connection.js';

/** Options of {@link RoasPoolDialect}. */
export interface RoasPoolDialectConfig {
  /**
   * The pool that lends the connections, or a function that creates it when Kysely first needs it
   * (as Kysely's `SqliteDialect` takes a database or a function that opens one).
   */
  pool: Pool | (() => Pool | Promise<Pool>);
  /**
   * Close the pool when Kysely's `db.destroy()` runs. Default `false`: the pool is yours, and
   * other code (raw `pool.read()`, a Drizzle instance) may still use it.
   */
  closePoolOnDestroy?: boolean;
  /**
   * The SQL Kysely compiles: `sqlite` or `postgres`. Default: the pool's driver's dialect, or
   * `sqlite` when `pool` is a function (Kysely compiles before it creates the pool); set it to
   * `postgres` for a function that creates a PostgreSQL pool.
   */
  dialect?: SqlDialect;
}

/** The SQL dialects the Kysely face compiles. */
export type SqlDialect = 'sqlite' | 'postgres';

/** The pool, if its driver speaks `dialect`; NOT_SUPPORTED naming the fix otherwise. */
function assertDialect(pool: Pool, dialect: SqlDialect): Pool {
  if (pool.driver.dialect !== dialect)
    throw new PoolError(
      'NOT_SUPPORTED',
      `RoasPoolDialect compiles ${dialect} SQL, but the pool's driver speaks ${pool.driver.dialect}: pass { dialect: '${pool.driver.dialect}' }`,
    );
  return pool;
}

/** The dialect a config compiles: its own `dialect`, else its pool's, else `sqlite`. */
function dialectOf(config: RoasPoolDialectConfig): SqlDialect {
  if (config.dialect !== undefined) return config.dialect;
  return typeof config.pool === 'function' ? 'sqlite' : config.pool.driver.dialect;
}

/**
 * Kysely's Driver over the pool. A query outside a transaction takes a short lease in its lane
 * (SELECT: read lane, anything that writes: the write lane; on PostgreSQL every lease is equal).
 * `db.transaction()` pins one write lease with the driver's BEGIN (`BEGIN IMMEDIATE` on SQLite;
 * on PostgreSQL with Kysely's `setIsolationLevel()` when given) for its whole life, so it may await between statements while other
 * callers keep reading. `setAccessMode('read only')` pins a read lease with a deferred `BEGIN`.
 * BEGIN, COMMIT, ROLLBACK and savepoints run through the connection's `executeQuery`, so Kysely's
 * `log` sees and times them and their errors are the pool's typed errors.
 * {@link RoasPoolDialect} creates it; you need it only to wrap it.
 *
 * @example
 * ```ts
 * const driver = new RoasPoolDriver({ pool });
 * await driver.init();
 * const conn = await driver.acquireConnection();
 * await driver.beginTransaction(conn, {});
 * await driver.commitTransaction(conn);
 * await driver.releaseConnection(conn);
 * ```
 */
export class RoasPoolDriver implements Driver {
  #pool: Pool | undefined;

  constructor(private readonly config: RoasPoolDialectConfig) {
    if (typeof config.pool !== 'function') this.#pool = assertDialect(config.pool, dialectOf(config));
  }

  /** The pool, once `init()` has created it (at once when the config gave a pool). */
  get pool(): Pool {
    if (this.#pool === undefined)
      throw new PoolError('POOL_CLOSED', 'the Kysely driver was used before init() created its pool');
    return this.#pool;
  }

  async init(): Promise<void> {
    const { pool } = this.config;
    if (this.#pool === undefined && typeof pool === 'function')
      this.#pool = assertDialect(await pool(), dialectOf(this.config));
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoasPoolConnection(this.pool);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await own(connection).begin(
      settings.accessMode === 'read only' ? 'read' : 'write',
      settings.isolationLevel,
    );
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await own(connection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await own(connection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await own(connection).executeQuery(savepointQuery('savepoint', name, compile));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await own(connection).executeQuery(savepointQuery('rollback to', name, compile));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await own(connection).executeQuery(savepointQuery('release', name, compile));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await own(connection).unpin();
  }

  async destroy(): Promise<void> {
    if (this.config.closePoolOnDestroy && this.#pool !== undefined) await this.#pool.close();
  }
}

/** `connection` as this driver's own, or INVALID_ARGUMENT (thrown inside an async method: a rejection). */
function own(connection: DatabaseConnection): RoasPoolConnection {
  if (connection instanceof RoasPoolConnection) return connection;
  throw new PoolError(
    'INVALID_ARGUMENT',
    `RoasPoolDriver takes a connection from its own acquireConnection(), got ${showValue(connection)}`,
  );
}

/** `SAVEPOINT "name"` and friends, with the name quoted by Kysely's own compiler. */
function savepointQuery(
  command: string,
  name: string,
  compile: QueryCompiler['compileQuery'],
): CompiledQuery {
  const node = RawNode.createWithChildren([
    RawNode.createWithSql(`${command} `),
    IdentifierNode.create(name),
  ]);
  return control(compile(node, createQueryId()));
}

/**
 * Kysely's SQLite adapter with a real migration lock. `SqliteAdapter`'s lock does nothing, which
 * is right for its one connection and wrong for a pool: 20 concurrent `migrateToLatest()` calls
 * would each run every pending migration. Here the lock pins the migrator's connection to the
 * write lane and opens `BEGIN IMMEDIATE` on it: callers in this process queue on the write lane,
 * other processes on the file wait on SQLite's write lock (the pool's busy wait, up to
 * `busyTimeoutMs`), and each reads the migration table only once it holds the lock. Releasing it
 * commits what ran, as Kysely's SQLite migrator keeps the migrations that succeeded before a
 * failure. A transaction a migration opens inside becomes a savepoint.
 *
 * @example
 * ```ts
 * const db = new Kysely<Database>({ dialect: new RoasPoolDialect({ pool }) });
 * await Promise.all([migrator(db).migrateToLatest(), migrator(db).migrateToLatest()]); // each migration runs once
 * ```
 */
export class RoasPoolAdapter extends SqliteAdapter {
  // Kysely's own DialectAdapter interface types this parameter as Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async acquireMigrationLock(db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {
    await (await connectionOf(db)).begin('write');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async releaseMigrationLock(db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {
    await (await connectionOf(db)).commitAll();
  }
}

/** The connection a connection-bound Kysely instance (the migrator's `db.connection()`) runs on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function connectionOf(db: Kysely<any>): Promise<RoasPoolConnection> {
  if (typeof (db as { getExecutor?: unknown } | null)?.getExecutor !== 'function')
    throw new PoolError(
      'INVALID_ARGUMENT',
      `the migration lock takes a Kysely instance, got ${showValue(db)}`,
    );
  const connection = await db.getExecutor().provideConnection(async (conn) => conn);
  if (!(connection instanceof RoasPoolConnection))
    throw new PoolError('NOT_SUPPORTED', 'the migration lock runs only on a RoasPoolDialect connection');
  return connection;
}

/**
 * A Kysely dialect that runs Kysely over a roas-pool pool, built like Kysely's own SqliteDialect
 * (its adapter, query compiler and introspector) with the pool in place of the single connection.
 * Over a PostgreSQL pool it uses Kysely's PostgreSQL compiler, adapter and introspector instead,
 * so the same bot code runs on both.
 * `db.destroy()` leaves the pool open unless `closePoolOnDestroy` is set.
 *
 * @example
 * ```ts
 * import { Kysely } from 'kysely';
 * import { createPool } from 'roas-pool';
 * import { RoasPoolDialect } from 'roas-pool/kysely';
 *
 * const pool = createPool({ filename: 'bot.db' });
 * const db = new Kysely<Database>({ dialect: new RoasPoolDialect({ pool }) });
 * await db.transaction().execute(async (trx) => {
 *   await trx.updateTable('xp').set((eb) => ({ points: eb('points', '+', 5) })).where('user', '=', 'ann').execute();
 * });
 * ```
 */
export class RoasPoolDialect implements Dialect {
  readonly #config: RoasPoolDialectConfig;

  constructor(config: RoasPoolDialectConfig) {
    const dialect = dialectOf(config);
    if (dialect !== 'sqlite' && dialect !== 'postgres')
      throw new PoolError(
        'INVALID_OPTION',
        `RoasPoolDialect option "dialect" must be sqlite or postgres, got ${showValue(dialect)}`,
      );
    if (typeof config.pool !== 'function') assertDialect(config.pool, dialect);
    this.#config = { ...config, dialect };
  }

  createDriver(): Driver {
    return new RoasPoolDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return this.#config.dialect === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    // Kysely's PostgreSQL lock is a session advisory lock, which holds across a pool's connections.
    return this.#config.dialect === 'postgres' ? new PostgresAdapter() : new RoasPoolAdapter();
  }

  // Kysely's own Dialect interface types this parameter as Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#config.dialect === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db);
  }
}
