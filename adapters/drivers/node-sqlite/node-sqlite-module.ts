import { PoolError } from '../../../core/errors/errors.js';

/** A SQLite value as node:sqlite binds and returns it. */
export type SqliteValue = null | number | bigint | string | Uint8Array;

/**
 * The part of node:sqlite's `StatementSync` this driver uses. Declared here, not taken from
 * `@types/node`, so that the package type-checks against the Node 20 types it supports.
 */
export interface StatementSync {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns(): { name: string }[];
  setReadBigInts(enabled: boolean): void;
  setReturnArrays(enabled: boolean): void;
}

/** The part of node:sqlite's `DatabaseSync` this driver uses. */
export interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
}

/** The options of `new DatabaseSync(path, options)` this driver passes. */
export interface DatabaseSyncOptions {
  readOnly?: boolean;
  timeout?: number;
  readBigInts?: boolean;
  enableForeignKeyConstraints?: boolean;
  enableDoubleQuotedStringLiterals?: boolean;
}

type DatabaseSyncClass = new (path: string, options?: DatabaseSyncOptions) => DatabaseSync;

/** The Node.js release from which node:sqlite has every call this driver makes. */
export const NODE_SQLITE_SINCE = '22.16';

let loaded: DatabaseSyncClass | undefined;

function find(): DatabaseSyncClass | undefined {
  // getBuiltinModule (Node 20.16+, 22.3+) loads node:sqlite only when asked: a static import would
  // fail to link on Node 20, and on Node 22 would print its ExperimentalWarning to every user.
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const sqlite = getBuiltin?.call(process, 'node:sqlite') as
    { Database?: DatabaseSyncClass; DatabaseSync?: DatabaseSyncClass } | undefined;
  // Node 26.11 renamed DatabaseSync to Database and deprecated the old name.
  const Database = sqlite?.Database ?? sqlite?.DatabaseSync;
  if (Database === undefined) return undefined;
  // isTransaction and StatementSync.columns() came in 22.16 (and 23.11), and the pool needs both.
  // Both live on instances, not on the prototypes, so ask a throwaway in-memory database.
  const probe = new Database(':memory:');
  try {
    const ok =
      typeof probe.isTransaction === 'boolean' && typeof probe.prepare('SELECT 1').columns === 'function';
    return ok ? Database : undefined;
  } finally {
    probe.close();
  }
  return Database;
}

/**
 * Whether this runtime has a node:sqlite this driver can use (Node.js 22.16 or later).
 *
 * @example
 * ```ts
 * const driver = nodeSqliteAvailable() ? nodeSqliteDriver({ filename }) : sqliteDriver({ filename });
 * ```
 */
export function nodeSqliteAvailable(): boolean {
  return (loaded ??= find()) !== undefined;
}

/** node:sqlite's database class, or NOT_SUPPORTED naming the Node.js version it needs. */
export function loadNodeSqlite(): DatabaseSyncClass {
  loaded ??= find();
  if (loaded === undefined)
    throw new PoolError(
      'NOT_SUPPORTED',
      `nodeSqliteDriver needs node:sqlite from Node.js ${NODE_SQLITE_SINCE} or later (24 recommended); this is Node.js ${process.version}: upgrade Node.js, or use sqliteDriver (better-sqlite3)`,
    );
  return loaded;
}
