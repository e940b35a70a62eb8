import type { AsyncRemoteCallback, SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import { PoolError } from '../../core/errors/errors.js';

/**
 * The part of Drizzle's sqlite-proxy session this adapter reaches into. Drizzle maps rows itself
 * only for queries that carry their fields (a select, a `returning(...)`) or a mapper (relational
 * queries); raw SQL (`db.all(sql)`, `db.get(query)`) gets the callback's rows as they come. Drizzle's
 * better-sqlite3 driver answers those with objects, so a prepared query without fields or mapper
 * is given the callback that answers objects.
 */
interface ProxySession {
  prepareQuery(
    query: unknown,
    fields: unknown,
    method: unknown,
    arrayMode: unknown,
    mapper?: unknown,
    ...rest: unknown[]
  ): unknown;
  batch(queries: readonly BatchItem[]): Promise<unknown[]>;
}

/** A prepared query as the session returns it: its callback is its `client`. */
interface PreparedProxyQuery {
  client: AsyncRemoteCallback;
  fields?: unknown;
  customResultMapper?: unknown;
  getQuery(): { sql: string; params: unknown[]; method: Method };
  mapResult(result: unknown, isFromBatch: boolean): unknown;
}

interface BatchItem {
  _prepare(): PreparedProxyQuery;
}

type Method = Parameters<AsyncRemoteCallback>[2];

/** One query of a batch, and whether to answer it with row objects. */
export interface PoolBatchQuery {
  sql: string;
  params: unknown[];
  method: Method;
  objects: boolean;
}

/** Raw SQL: Drizzle has neither the fields nor a mapper to shape its rows. */
function isRaw(prepared: { fields?: unknown; customResultMapper?: unknown }): boolean {
  return prepared.fields === undefined && prepared.customResultMapper === undefined;
}

function sessionOf(db: object): ProxySession {
  const session = (db as { session?: Partial<ProxySession> }).session;
  if (typeof session?.prepareQuery !== 'function' || typeof session.batch !== 'function')
    throw new PoolError(
      'NOT_SUPPORTED',
      'this drizzle-orm version has no sqlite-proxy session the adapter knows: install drizzle-orm 0.45.x',
    );
  return session as ProxySession;
}

/**
 * Makes `db` answer raw SQL with row objects through `objects`, as Drizzle's better-sqlite3 driver
 * does, while queries Drizzle maps itself keep their arrays (columns in order, a join's two `id`s
 * apart). Throws NOT_SUPPORTED at once if the installed Drizzle is built differently.
 */
export function answerRawWithObjects<TSchema extends Record<string, unknown>>(
  db: SqliteRemoteDatabase<TSchema>,
  objects: AsyncRemoteCallback,
  batch: (queries: PoolBatchQuery[]) => Promise<unknown[]>,
): SqliteRemoteDatabase<TSchema> {
  const session = sessionOf(db);
  const prepare = session.prepareQuery.bind(session);
  session.prepareQuery = (query, fields, method, arrayMode, mapper, ...rest) => {
    const prepared = prepare(query, fields, method, arrayMode, mapper, ...rest);
    if (fields === undefined && mapper === undefined) (prepared as PreparedProxyQuery).client = objects;
    return prepared;
  };
  // A raw `db.all(sql)` inside `db.batch()` answers like one outside it.
  session.batch = async (items) => {
    const prepared = items.map((item) => item._prepare());
    const queries = prepared.map((p) => ({ ...p.getQuery(), objects: isRaw(p) }));
    const results = await batch(queries);
    return results.map((result, i) => prepared[i]?.mapResult(result, true));
  };
  return db;
}
