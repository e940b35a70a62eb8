import type { DrizzleConfig } from 'drizzle-orm';
import {
  drizzle as drizzleProxy,
  type AsyncBatchRemoteCallback,
  type AsyncRemoteCallback,
  type SqliteRemoteDatabase,
} from 'drizzle-orm/sqlite-proxy';
import { runArgumentsError, sqlError } from '../../core/lease/arguments.js';
import { PoolError } from '../../core/errors/errors.js';
import { showValue } from '../../core/errors/show-value.js';
import type { Lease } from '../../core/lease/lease.js';
import type { Pool } from '../../core/pool.js';
import { answerRawWithObjects, type PoolBatchQuery } from './drizzle-rows.js';
import { leaseForSql, rejectTransactionControl } from './statement-lane.js';

type Method = Parameters<AsyncRemoteCallback>[2];
type Reply = Awaited<ReturnType<AsyncRemoteCallback>>;

const BEGIN = /^\s*begin\b/i;

/**
 * Runs one statement on `lease` and answers in the shape sqlite-proxy expects: `all` and `values`
 * as arrays of arrays in column order, `get` as one array (or `undefined`), `run` with no rows
 * (plus `changes` and `lastInsertRowid`, untyped in Drizzle's result). With `objects`, `all` and
 * `get` answer row objects instead, for raw SQL that Drizzle passes through unmapped.
 */
async function execute(
  lease: Lease,
  sql: string,
  params: unknown[],
  method: Method,
  objects = false,
): Promise<Reply> {
  if (method === 'run') {
    const reply = { rows: [], ...(await lease.run(sql, params)) };
    return reply;
  }
  if (objects && method === 'all') return { rows: await lease.all(sql, params) };
  // Drizzle hands unmapped rows to the caller as they are: typed as arrays, they are objects here.
  if (objects && method === 'get') return { rows: (await lease.get(sql, params)) as unknown as unknown[] };
  const rows = await lease.values(sql, params);
  return { rows: method === 'get' ? (rows[0] as unknown[]) : rows };
}

/** The callback for one statement on a short lease in its lane. */
function onShortLease(pool: Pool, objects: boolean): AsyncRemoteCallback {
  return async (sql, params, method) => {
    if (typeof sql !== 'string') throw sqlError('drizzle', sql);
    rejectTransactionControl(sql);
    const lease = await leaseForSql(pool, sql);
    try {
      return await execute(lease, sql, params, method, objects);
    } finally {
      lease.release();
    }
  };
}

/** A batch in one write transaction, each query answered in the shape it asks for. */
function batchInTransaction(pool: Pool, queries: readonly PoolBatchQuery[]): Promise<Reply[]> {
  try {
    for (const query of queries) rejectTransactionControl(query.sql);
  } catch (err) {
    return Promise.reject(err);
  }
  return pool.transaction(async (tx) => {
    const replies: Reply[] = [];
    for (const q of queries) replies.push(await execute(tx, q.sql, q.params, q.method, q.objects));
    return replies;
  });
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
  return onShortLease(pool, false);
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
  return (batch) => {
    const list: unknown = batch;
    if (!Array.isArray(list))
      return Promise.reject(
        new PoolError('INVALID_ARGUMENT', `a batch is an array of queries, got ${showValue(list)}`),
      );
    return batchInTransaction(
      pool,
      batch.map((q) => ({ ...q, objects: false })),
    );
  };
}

/** A Drizzle database whose statements run through `run`; raw SQL answers row objects. */
function database<TSchema extends Record<string, unknown>>(
  run: (sql: string, params: unknown[], method: Method, objects: boolean) => Promise<Reply>,
  batch: (queries: PoolBatchQuery[]) => Promise<Reply[]>,
  config: DrizzleConfig<TSchema>,
): SqliteRemoteDatabase<TSchema> {
  const arrays: AsyncRemoteCallback = (sql, params, method) => run(sql, params, method, false);
  const objects: AsyncRemoteCallback = (sql, params, method) => run(sql, params, method, true);
  const arrayBatch: AsyncBatchRemoteCallback = (qs) => batch(qs.map((q) => ({ ...q, objects: false })));
  return answerRawWithObjects(drizzleProxy<TSchema>(arrays, arrayBatch, config), objects, batch);
}

/** A statement on one pinned lease; Drizzle's own BEGIN becomes the driver's write BEGIN. */
function onPinnedLease(lease: Lease, beginWrite: string) {
  return async (sql: string, params: unknown[], method: Method, objects: boolean): Promise<Reply> => {
    if (!BEGIN.test(sql)) return execute(lease, sql, params, method, objects);
    await lease.exec(beginWrite);
    return { rows: [] };
  };
}

/**
 * A Drizzle database (sqlite-proxy) over the pool. Every statement takes a short lease in its lane:
 * reads on the read lane, writes on the write lane. `db.transaction()` pins one write lease with
 * `BEGIN IMMEDIATE` for the whole transaction (nested transactions become savepoints on it), so it
 * may await between statements while other callers keep reading. `db.batch()` runs as one write
 * transaction. A raw `BEGIN`/`COMMIT` through `db.run()` throws UNPINNED_TRANSACTION: use
 * `db.transaction()` (or `pool.transaction()` for raw SQL). Raw SQL (`db.all(sql)`, `db.get(sql)`)
 * answers row objects, as Drizzle's better-sqlite3 driver does; `db.values(sql)` answers arrays.
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
  const short = (sql: string, params: unknown[], method: Method, objects: boolean) =>
    onShortLease(pool, objects)(sql, params, method);
  const db = database<TSchema>(short, (queries) => batchInTransaction(pool, queries), config);
  const transaction: typeof db.transaction = async (fn, txConfig) => {
    if (typeof fn !== 'function') throw runArgumentsError('transaction', fn, undefined) as PoolError;
    const lease = await pool.acquire({ mode: 'write' });
    try {
      // A session of its own, bound to this lease: a `tx` kept past the end fails LEASE_RELEASED
      // instead of running on whichever connection is free.
      const one = onPinnedLease(lease, pool.driver.beginWrite);
      const batch = async (queries: PoolBatchQuery[]): Promise<Reply[]> => {
        const replies: Reply[] = [];
        for (const q of queries) replies.push(await one(q.sql, q.params, q.method, q.objects));
        return replies;
      };
      const txDb = database<TSchema>(one, batch, config);
      return await txDb.transaction(fn, txConfig);
    } finally {
      if (!lease.released) lease.release();
    }
  };
  db.transaction = transaction;
  return db;
}
