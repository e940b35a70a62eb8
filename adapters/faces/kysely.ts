import {
  CompiledQuery,
  IdentifierNode,
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
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import type { Pool } from '../../core/pool.js';
import { PoolError } from '../../core/errors.js';
import { RoasPoolConnection } from './kysely-connection.js';

export { RoasPoolConnection } from './kysely-connection.js';

/** Options of {@link RoasPoolDialect}. */
export interface RoasPoolDialectConfig {
  /** The pool that lends the connections. */
  pool: Pool;
  /**
   * Close the pool when Kysely's `db.destroy()` runs. Default `false`: the pool is yours, and
   * other code (raw `pool.read()`, a Drizzle instance) may still use it.
   */
  closePoolOnDestroy?: boolean;
}

/**
 * Kysely's Driver over the pool. A query outside a transaction takes a short lease in its lane
 * (SELECT: read lane, anything that writes: the write lane). `db.transaction()` pins one write
 * lease with `BEGIN IMMEDIATE` for its whole life, so it may await between statements while other
 * callers keep reading. `setAccessMode('read only')` pins a read lease with a deferred `BEGIN`.
 * {@link RoasPoolDialect} creates it; you need it only to wrap it.
 *
 * @example
 * ```ts
 * const driver = new RoasPoolDriver({ pool });
 * const conn = await driver.acquireConnection();
 * await driver.beginTransaction(conn, {});
 * await driver.commitTransaction(conn);
 * await driver.releaseConnection(conn);
 * ```
 */
export class RoasPoolDriver implements Driver {
  constructor(private readonly config: RoasPoolDialectConfig) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoasPoolConnection(this.config.pool);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (connection as RoasPoolConnection).begin(settings.accessMode === 'read only' ? 'read' : 'write');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoasPoolConnection).end('COMMIT');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoasPoolConnection).end('ROLLBACK');
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await connection.executeQuery(savepointQuery('savepoint', name, compile));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await connection.executeQuery(savepointQuery('rollback to', name, compile));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await connection.executeQuery(savepointQuery('release', name, compile));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as RoasPoolConnection).unpin();
  }

  async destroy(): Promise<void> {
    if (this.config.closePoolOnDestroy) await this.config.pool.close();
  }
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
  return compile(node, createQueryId());
}

/**
 * A Kysely dialect that runs Kysely over a roas-pool pool, built like Kysely's own SqliteDialect
 * (its adapter, query compiler and introspector) with the pool in place of the single connection.
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
    if (config.pool.driver.dialect !== 'sqlite')
      throw new PoolError(
        'NOT_SUPPORTED',
        `RoasPoolDialect compiles SQLite SQL, but the pool's driver speaks ${config.pool.driver.dialect}`,
      );
    this.#config = { ...config };
  }

  createDriver(): Driver {
    return new RoasPoolDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // Kysely's own Dialect interface types this parameter as Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
