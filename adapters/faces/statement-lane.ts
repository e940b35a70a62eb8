import type { Lease, LeaseMode } from '../../core/lease/lease.js';
import { PoolError } from '../../core/errors/errors.js';

/**
 * What the lane router needs from a pool; a `Pool` has it. A pool that shows no `driver` is taken
 * to have a single write lane, as SQLite does.
 */
export interface LanePool {
  acquire(options?: { mode?: LeaseMode }): Promise<Lease>;
  readonly driver?: { readonly singleWriter: boolean };
}

/** Most SQL texts whose lane and shape are remembered per pool; bots run a small fixed set. */
const CACHE_SIZE = 1024;

/** What is remembered of a statement: what SQLite said when it prepared it. Never changes. */
export interface StatementKind {
  /** It does not write: it may run on a read lease. */
  readonly readonly: boolean;
  /** It returns rows. */
  readonly reader: boolean;
}

const kinds = new WeakMap<LanePool, Map<string, StatementKind>>();

/** BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE: statements that only make sense pinned. */
const TRANSACTION_CONTROL = /^\s*(begin|commit|end|rollback|savepoint|release)\b/i;

/**
 * Throws UNPINNED_TRANSACTION for transaction statements: run one statement on a short lease and
 * the transaction would be rolled back at release, or span connections.
 *
 * @example
 * ```ts
 * rejectTransactionControl('BEGIN IMMEDIATE'); // throws PoolError UNPINNED_TRANSACTION
 * ```
 */
export function rejectTransactionControl(sql: string): void {
  if (TRANSACTION_CONTROL.test(sql)) throw new PoolError('UNPINNED_TRANSACTION');
}

function remember(pool: LanePool, sql: string, kind: StatementKind): void {
  let cache = kinds.get(pool);
  if (cache === undefined) kinds.set(pool, (cache = new Map<string, StatementKind>()));
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(sql, kind);
}

/** What `pool` already knows of `sql`, if it prepared it before. */
export function knownKind(pool: LanePool, sql: string): StatementKind | undefined {
  return kinds.get(pool)?.get(sql);
}

/**
 * Whether `sql` only reads and whether it returns rows, as SQLite says when `lease` prepares it
 * (better-sqlite3's `statement.readonly` and `statement.reader`, asked in the worker thread on the
 * threads driver): never guessed from the text. Remembered per pool. Rejects with SQLite's error
 * if `sql` does not prepare; that answer is not remembered (the table may exist next time).
 *
 * @example
 * ```ts
 * const { reader } = await statementKind(pool, lease, 'PRAGMA user_version');
 * ```
 */
export async function statementKind(pool: LanePool, lease: Lease, sql: string): Promise<StatementKind> {
  const known = knownKind(pool, sql);
  if (known !== undefined) return known;
  const { readonly, reader } = await lease.describe(sql);
  const kind = { readonly, reader };
  remember(pool, sql, kind);
  return kind;
}

/**
 * Leases a connection in the right lane for one statement known only as SQL text: the one lane
 * router, used by the bot facade, Kysely and Drizzle. The first time
 * a text is seen, the driver prepares it on a read lease and tells whether it only reads; a read
 * keeps that lease, anything else trades it for the write lane. The answer is remembered per pool.
 * SQL that does not prepare goes to the write lane, where it raises its real error.
 *
 * @example
 * ```ts
 * const lease = await leaseForSql(pool, 'SELECT points FROM xp WHERE user = ?');
 * try {
 *   return await lease.all('SELECT points FROM xp WHERE user = ?', ['ann']);
 * } finally {
 *   lease.release();
 * }
 * ```
 */
export async function leaseForSql(pool: LanePool, sql: string): Promise<Lease> {
  const known = knownKind(pool, sql);
  if (known !== undefined) return pool.acquire({ mode: known.readonly ? 'read' : 'write' });
  if (pool.driver?.singleWriter === false) return pool.acquire({ mode: 'write' });
  const lease = await pool.acquire({ mode: 'read' });
  let readonly: boolean;
  try {
    readonly = (await statementKind(pool, lease, sql)).readonly;
  } catch {
    // Unpreparable here (a syntax error, say): the write lane runs it and reports the real error.
    lease.release();
    return pool.acquire({ mode: 'write' });
  }
  if (readonly) return lease;
  lease.release();
  return pool.acquire({ mode: 'write' });
}
