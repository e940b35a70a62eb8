import type { Lease, LeaseMode } from '../../core/lease.js';
import { PoolError } from '../../core/errors.js';

/**
 * What the lane router needs from a pool; a `Pool` has it. A pool that shows no `driver` is taken
 * to have a single write lane, as SQLite does.
 */
export interface LanePool {
  acquire(options?: { mode?: LeaseMode }): Promise<Lease>;
  readonly driver?: { readonly singleWriter: boolean };
}

/** Most SQL texts whose lane is remembered per pool; bots run a small fixed set. */
const CACHE_SIZE = 1024;

const modes = new WeakMap<LanePool, Map<string, LeaseMode>>();

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

function remember(pool: LanePool, sql: string, mode: LeaseMode): void {
  let cache = modes.get(pool);
  if (cache === undefined) modes.set(pool, (cache = new Map<string, LeaseMode>()));
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(sql, mode);
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
  const known = modes.get(pool)?.get(sql);
  if (known !== undefined) return pool.acquire({ mode: known });
  if (pool.driver?.singleWriter === false) return pool.acquire({ mode: 'write' });
  const lease = await pool.acquire({ mode: 'read' });
  let readonly: boolean;
  try {
    readonly = await lease.isReadonly(sql);
  } catch {
    // Unpreparable here (a syntax error, say): the write lane runs it and reports the real error.
    // Not remembered: the table it names may exist next time.
    lease.release();
    return pool.acquire({ mode: 'write' });
  }
  remember(pool, sql, readonly ? 'read' : 'write');
  if (readonly) return lease;
  lease.release();
  return pool.acquire({ mode: 'write' });
}
