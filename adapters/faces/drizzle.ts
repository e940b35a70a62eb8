import type { DrizzleConfig } from 'drizzle-orm';
import {
  drizzle as drizzleProxy,
  type AsyncBatchRemoteCallback,
  type AsyncRemoteCallback,
  type SqliteRemoteDatabase,
} from 'drizzle-orm/sqlite-proxy';
import { PoolError } from '../../core/errors.js';
import type { Lease } from '../../core/lease.js';
import type { Pool } from '../../core/pool.js';
import { leaseForSql, rejectTransactionControl } from './statement-lane.js';

type Method = Parameters<AsyncRemoteCallback>[2];
type Reply = Awaited<ReturnType<AsyncRemoteCallback>>;

const BEGIN = /^\s*begin\b/i;

/**
 * Runs one statement on `lease` and answers in the shape sqlite-proxy expects: `all` and `values`
 * as arrays of arrays in column order, `get` as one array (or `undefined`), `run` with no rows
 * (plus `changes` and `lastInsertRowid`, untyped in Drizzle's result).
 */
async function execute(lease: Lease, sql: string, params: unknown[], method: Method): Promise<Reply> {
  if (method === 'run') {
    const reply = { rows: [], ...(await lease.run(sql, params)) };
    return reply;
  }
  const rows = await lease.values(sql, params);
  return { rows: method === 'get' ? (rows[0] as unknown[]) : rows };
}

/**
 * The sqlite-proxy callback for statements outside a transaction: one short lease each. It does
 * not pin transactions; prefer {@link drizzle}, which does.
 *
 * @example
 * ```ts
 * const db = drizzleProxy(poolCallback(pool), poolBatchCallback(pool));
 * ```
 */
export function poolCallback(pool: Pool): AsyncRemoteCallback {
  return async (sql, params, method) => {
    rejectTransactionControl(sql);
    const lease = await leaseForSql(pool, sql);
    try {
      return await execute(lease, sql, params, method);
    } finally {
      lease.release();
    }
  };
}

/**
 * The sqlite-proxy batch callback: the whole batch in one write transaction, all or nothing.
 *
 * @example
 * ```ts
 * const db = drizzleProxy(poolCallback(pool), poolBatchCallback(pool));
 * ```
 */
export function poolBatchCallback(pool: Pool): AsyncBatchRemoteCallback {
  return async (batch) => {
    for (const query of batch) rejectTransactionControl(query.sql);
    return pool.transaction(async (tx) => {
      const replies: Reply[] = [];
      for (const query of batch) replies.push(await execute(tx, query.sql, query.params, query.method));
      return replies;
    });
  };
}

/** Callbacks bound to one pinned lease; Drizzle's own BEGIN becomes the driver's write BEGIN. */
function pinned(lease: Lease, beginWrite: string): [AsyncRemoteCallback, AsyncBatchRemoteCallback] {
  const one: AsyncRemoteCallback = async (sql, params, method) => {
    if (!BEGIN.test(sql)) return execute(lease, sql, params, method);
    await lease.exec(beginWrite);
    return { rows: [] };
  };
  const batch: AsyncBatchRemoteCallback = async (queries) => {
    const replies: Reply[] = [];
    for (const q of queries) replies.push(await one(q.sql, q.params, q.method));
    return replies;
  };
  return [one, batch];
}

/**
 * A Drizzle database (sqlite-proxy) over the pool. Every statement takes a short lease in its lane:
 * reads on the read lane, writes on the write lane. `db.transaction()` pins one write lease with
 * `BEGIN IMMEDIATE` for the whole transaction (nested transactions become savepoints on it), so it
 * may await between statements while other callers keep reading. `db.batch()` runs as one write
 * transaction. A raw `BEGIN`/`COMMIT` through `db.run()` throws UNPINNED_TRANSACTION: use
 * `db.transaction()` (or `pool.transaction()` for raw SQL).
 *
 * @example
 * ```ts
 * import { createPool } from 'roas-pool';
 * import { drizzle } from 'roas-pool/drizzle';
 *
 * const db = drizzle(createPool({ filename: 'bot.db' }));
 * const board = await db.select().from(xp).orderBy(desc(xp.points)).limit(10);
 * ```
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  pool: Pool,
  config: DrizzleConfig<TSchema> = {},
): SqliteRemoteDatabase<TSchema> {
  if (pool.driver.dialect !== 'sqlite')
    throw new PoolError(
      'NOT_SUPPORTED',
      `roas-pool/drizzle speaks SQLite, but the pool's driver speaks ${pool.driver.dialect}`,
    );
  const db = drizzleProxy<TSchema>(poolCallback(pool), poolBatchCallback(pool), config);
  const transaction: typeof db.transaction = async (fn, txConfig) => {
    const lease = await pool.acquire({ mode: 'write' });
    try {
      // A session of its own, bound to this lease: a `tx` kept past the end fails LEASE_RELEASED
      // instead of running on whichever connection is free.
      const txDb = drizzleProxy<TSchema>(...pinned(lease, pool.driver.beginWrite), config);
      return await txDb.transaction(fn, txConfig);
    } finally {
      if (!lease.released) lease.release();
    }
  };
  db.transaction = transaction;
  return db;
}
