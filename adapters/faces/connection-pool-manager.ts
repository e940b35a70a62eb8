import type { Lease, LeaseMode } from '../../core/lease/lease.js';
import type { Pool } from '../../core/pool.js';
import type { PoolStats } from '../../core/monitoring/stats.js';
import { PoolError } from '../../core/errors/errors.js';
import { showValue } from '../../core/errors/show-value.js';

/**
 * A `get_connection` style interface (`get_connection`, `release_connection`, `get_pool_stats`,
 * `optimize_pool`) in TypeScript casing, over a pool. For code written that way; new code
 * should prefer `pool.read()`, `pool.write()` and `pool.transaction()`, which cannot leak a lease.
 *
 * `getConnection()` hands out a write lease unless told otherwise, because code written that
 * way does not say whether it writes; pass `'read'` where it only reads, to run in parallel.
 *
 * @example
 * ```ts
 * const manager = new ConnectionPoolManager(createPool({ filename: 'bot.db' }));
 * const conn = await manager.getConnection('read');
 * try {
 *   console.log(await conn.get('SELECT count(*) AS n FROM users'));
 * } finally {
 *   await manager.releaseConnection(conn);
 * }
 * ```
 */
export class ConnectionPoolManager {
  constructor(readonly pool: Pool) {}

  /** Acquires a lease: `write` by default, `read` when the caller only reads. */
  getConnection(mode: LeaseMode = 'write'): Promise<Lease> {
    return this.pool.acquire({ mode });
  }

  /** Releases a lease taken with `getConnection()`; a second release rejects with DOUBLE_RELEASE. */
  async releaseConnection(connection: Lease): Promise<void> {
    if (typeof (connection as Partial<Lease> | null)?.release !== 'function')
      throw new PoolError(
        'INVALID_ARGUMENT',
        `releaseConnection() takes a lease from getConnection(), got ${showValue(connection)}`,
      );
    connection.release();
  }

  /** The pool's live statistics; see `PoolStats`. */
  getPoolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Runs the pool's housekeeping: `PRAGMA optimize`, a WAL checkpoint, trimming idle connections. */
  optimizePool(): Promise<void> {
    return this.pool.optimize();
  }

  /** Closes the pool. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
