import {
  DeleteQueryNode,
  InsertQueryNode,
  RawNode,
  SelectQueryNode,
  UpdateQueryNode,
  type CompiledQuery,
  type DatabaseConnection,
  type QueryResult,
} from 'kysely';
import type { Lease, LeaseMode } from '../../core/lease.js';
import type { Pool } from '../../core/pool.js';
import { leaseForSql, rejectTransactionControl } from './statement-lane.js';

/** The part of a better-sqlite3 `Database` that streaming and raw SQL need. */
interface InlineDatabase {
  prepare(sql: string): { reader: boolean; iterate(...params: unknown[]): IterableIterator<unknown> };
}

/** The lane a query needs (`sql`: ask the driver) and whether it returns rows. */
type Shape = { lane: LeaseMode | 'sql'; rows: boolean | 'maybe' };

/** Without an inline handle to ask, guess which raw SQL returns rows from its text. */
const RETURNS_ROWS = /^\s*(select|with|values|pragma|explain)\b|\breturning\b/i;

/** Most raw SQL texts whose "returns rows" answer is remembered. */
const READERS_SIZE = 512;
const readers = new Map<string, boolean>();

/** Whether raw SQL returns rows: better-sqlite3's `statement.reader` where inline, else a guess. */
function returnsRows(lease: Lease, sql: string): boolean {
  const known = readers.get(sql);
  if (known !== undefined) return known;
  const db = rawDatabase(lease);
  let reader: boolean;
  try {
    reader = db === undefined ? RETURNS_ROWS.test(sql) : db.prepare(sql).reader;
  } catch {
    // It does not prepare: running it will raise the real error.
    return false;
  }
  if (readers.size >= READERS_SIZE) readers.clear();
  readers.set(sql, reader);
  return reader;
}

/** Picks lane and result shape from the query's root node: no SQL parsing for built queries. */
function shapeOf(query: CompiledQuery['query']): Shape {
  if (SelectQueryNode.is(query)) return { lane: 'read', rows: true };
  if (InsertQueryNode.is(query) || UpdateQueryNode.is(query) || DeleteQueryNode.is(query))
    return { lane: 'write', rows: query.returning !== undefined };
  if (RawNode.is(query)) return { lane: 'sql', rows: 'maybe' };
  return { lane: 'write', rows: false };
}

/**
 * One Kysely connection over the pool. It holds no connection of its own: outside a transaction
 * every query takes a short lease in its lane and gives it back; `begin()` pins one lease until
 * `end()`. Kysely creates one of these per `acquireConnection()`.
 *
 * @example
 * ```ts
 * const conn = new RoasPoolConnection(pool);
 * const { rows } = await conn.executeQuery(CompiledQuery.raw('SELECT 1 AS one'));
 * ```
 */
export class RoasPoolConnection implements DatabaseConnection {
  #tx: Lease | undefined;

  constructor(private readonly pool: Pool) {}

  /** The pinned transaction lease, if a transaction is open. */
  get transaction(): Lease | undefined {
    return this.#tx;
  }

  /** Pins a lease (write lane, or read lane for a read-only transaction) and opens a transaction. */
  async begin(mode: LeaseMode): Promise<void> {
    const lease = await this.pool.acquire({ mode });
    try {
      await lease.exec(mode === 'write' ? this.pool.driver.beginWrite : 'BEGIN');
    } catch (err) {
      lease.release();
      throw err;
    }
    this.#tx = lease;
  }

  /** Runs COMMIT or ROLLBACK on the pinned lease; releases it unless COMMIT failed. */
  async end(sql: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const lease = this.#tx;
    if (lease === undefined) return;
    // A failed COMMIT keeps the lease: Kysely answers with rollbackTransaction().
    if (sql === 'ROLLBACK' && !lease.inTransaction) return this.unpin();
    await lease.exec(sql);
    this.unpin();
  }

  /** Gives back a pinned lease, if any; the pool rolls back a transaction left open. */
  unpin(): void {
    const lease = this.#tx;
    this.#tx = undefined;
    if (lease !== undefined && !lease.released) lease.release();
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const shape = shapeOf(compiled.query);
    if (this.#tx) return run<R>(this.#tx, compiled, shape);
    if (shape.lane === 'sql') rejectTransactionControl(compiled.sql);
    const lease =
      shape.lane === 'sql'
        ? await leaseForSql(this.pool, compiled.sql)
        : await this.pool.acquire({ mode: shape.lane });
    try {
      return await run<R>(lease, compiled, shape);
    } finally {
      lease.release();
    }
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) {
      yield await this.executeQuery<R>(compiled);
      return;
    }
    const own = this.#tx === undefined;
    const lease = this.#tx ?? (await this.pool.acquire({ mode: 'read' }));
    try {
      const db = rawDatabase(lease);
      if (db === undefined) {
        const rows = await lease.all<R>(compiled.sql, compiled.parameters);
        // The rows are in memory now: a slow consumer need not hold a connection.
        if (own) lease.release();
        for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
        return;
      }
      const iterator = db.prepare(compiled.sql).iterate(...compiled.parameters);
      try {
        let chunk: R[] = [];
        for (const row of iterator) {
          chunk.push(row as R);
          if (chunk.length >= chunkSize) {
            yield { rows: chunk };
            chunk = [];
          }
        }
        if (chunk.length > 0) yield { rows: chunk };
      } finally {
        // The consumer may stop early: close the cursor before the connection goes back.
        iterator.return?.();
      }
    } finally {
      if (own && !lease.released) lease.release();
    }
  }
}

/** The better-sqlite3 handle, when the driver runs inline; `undefined` otherwise. */
function rawDatabase(lease: Lease): InlineDatabase | undefined {
  try {
    const raw = lease.raw as Partial<InlineDatabase> | null;
    return typeof raw?.prepare === 'function' ? (raw as InlineDatabase) : undefined;
  } catch {
    return undefined;
  }
}

async function run<R>(lease: Lease, compiled: CompiledQuery, shape: Shape): Promise<QueryResult<R>> {
  const { sql, parameters } = compiled;
  const rows = shape.rows === 'maybe' ? returnsRows(lease, sql) : shape.rows;
  if (rows) return { rows: await lease.all<R>(sql, parameters) };
  const { changes, lastInsertRowid } = await lease.run(sql, parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
    rows: [],
  };
}
