import {
  CompiledQuery,
  DeleteQueryNode,
  InsertQueryNode,
  RawNode,
  SelectQueryNode,
  UpdateQueryNode,
  type DatabaseConnection,
  type IsolationLevel,
  type QueryResult,
} from 'kysely';
import { PoolError } from '../../core/errors/errors.js';
import type { Lease, LeaseMode } from '../../core/lease/lease.js';
import { showValue } from '../../core/errors/show-value.js';
import type { Pool } from '../../core/pool.js';
import { pgBegin } from './kysely-pg-begin.js';
import { knownKind, rejectTransactionControl, statementKind } from './statement-lane.js';

/** The lane a query needs (`sql`: ask SQLite) and whether it returns rows (`maybe`: ask SQLite). */
type Shape = { lane: LeaseMode | 'sql'; rows: boolean | 'maybe' };

/**
 * Transaction statements the driver itself sends (BEGIN, COMMIT, SAVEPOINT...). They go through
 * `executeQuery` like any query, so Kysely's `log` sees and times them; this set tells them from
 * the same text sent by hand, which is refused outside a transaction.
 */
const CONTROL = new WeakSet<CompiledQuery>();

/** Marks `query` as the driver's own transaction statement and returns it. */
export function control(query: CompiledQuery): CompiledQuery {
  CONTROL.add(query);
  return query;
}

/** Picks lane and result shape from the query's root node: no SQL parsing for built queries. */
function shapeOf(query: CompiledQuery['query']): Shape {
  if (SelectQueryNode.is(query)) return { lane: 'read', rows: true };
  if (InsertQueryNode.is(query) || UpdateQueryNode.is(query) || DeleteQueryNode.is(query)) {
    // `explain()` returns the plan's rows and writes nothing: SQLite says so when it prepares it.
    if (query.explain !== undefined) return { lane: 'sql', rows: 'maybe' };
    return { lane: 'write', rows: query.returning !== undefined };
  }
  if (RawNode.is(query)) return { lane: 'sql', rows: 'maybe' };
  return { lane: 'write', rows: false };
}

/**
 * One Kysely connection over the pool. It holds no connection until its first statement, then
 * keeps that lease until Kysely releases the connection: a single query takes a short lease and
 * gives it back, while everything run on `db.connection()` or in a transaction runs on one pooled
 * connection. Reads take the read lane; the first write moves the connection to the write lane
 * (outside a transaction) and it stays there. `begin()` pins the lease a transaction needs; a
 * `begin()` inside an open transaction (a Kysely transaction inside the migration lock, say)
 * becomes a savepoint. Kysely creates one of these per `acquireConnection()`.
 *
 * @example
 * ```ts
 * const conn = new RoasPoolConnection(pool);
 * const { rows } = await conn.executeQuery(CompiledQuery.raw('SELECT 1 AS one'));
 * await conn.unpin();
 * ```
 */
export class RoasPoolConnection implements DatabaseConnection {
  /** The lease this connection holds, once its first statement asked for one. */
  #lease: Promise<Lease> | undefined;
  /** The lease, once granted; `undefined` while none is held. */
  #held: Lease | undefined;
  /** Open transaction levels: 0 none, 1 a BEGIN, each further one a savepoint. */
  #depth = 0;

  constructor(private readonly pool: Pool) {}

  /** The pinned lease while a transaction is open on this connection. */
  get transaction(): Lease | undefined {
    return this.#depth > 0 ? this.#held : undefined;
  }

  /**
   * Holds a lease in `mode`'s lane for the rest of this connection's life and resolves to it. A
   * held write lease serves reads too; a held read lease is traded for a write lease (outside a
   * transaction) when a write comes. Calls are serialized, so concurrent statements on one
   * connection never take two leases.
   */
  pin(mode: LeaseMode): Promise<Lease> {
    const previous = this.#lease;
    const next = (async () => {
      const held = previous ? await previous.catch(() => undefined) : undefined;
      if (held !== undefined && !held.released) {
        if (held.mode === 'write' || mode === 'read' || this.#depth > 0) return held;
        held.release();
      }
      this.#held = undefined;
      const lease = await this.pool.acquire({ mode });
      this.#held = lease;
      return lease;
    })();
    this.#lease = next;
    return next;
  }

  /** Gives back the lease, if any; the pool rolls back a transaction left open. */
  async unpin(): Promise<void> {
    const pending = this.#lease;
    const held = this.#held;
    this.#lease = undefined;
    this.#held = undefined;
    this.#depth = 0;
    // Kysely does not always await releaseConnection(): give a granted lease back at once.
    if (held !== undefined && !held.released) held.release();
    // A lease still being granted (or traded for a write lease) goes back once it arrives.
    const lease = pending ? await pending.catch(() => undefined) : undefined;
    if (lease !== undefined && !lease.released) lease.release();
  }

  /**
   * Opens a transaction: pins a write lease and runs the driver's write BEGIN (`BEGIN IMMEDIATE`)
   * or, for `read`, a deferred `BEGIN` on a read lease. On PostgreSQL an `isolation` level (Kysely's
   * `setIsolationLevel()`) opens it at that level; SQLite's transactions are serializable anyway.
   * Inside an open transaction it runs a savepoint instead. Every statement goes through
   * `executeQuery`, as Kysely's own drivers do.
   */
  async begin(mode: LeaseMode, isolation?: IsolationLevel): Promise<void> {
    if (this.#depth > 0) {
      await this.executeQuery(control(CompiledQuery.raw(`savepoint ${nestedName(this.#depth)}`)));
      this.#depth++;
      return;
    }
    const lease = await this.pin(mode);
    let sql = lease.mode === 'write' && mode === 'write' ? this.pool.driver.beginWrite : 'begin';
    if (this.pool.driver.dialect === 'postgres' && isolation !== undefined) sql = pgBegin(mode, isolation);
    await this.executeQuery(control(CompiledQuery.raw(sql.toLowerCase())));
    this.#depth = 1;
  }

  /** Commits the innermost open level (COMMIT, or RELEASE of a nested savepoint). */
  async commit(): Promise<void> {
    if (this.#depth === 0) return;
    if (this.#depth > 1) {
      await this.executeQuery(control(CompiledQuery.raw(`release ${nestedName(this.#depth - 1)}`)));
      this.#depth--;
      return;
    }
    // A failed COMMIT leaves the level open: Kysely answers with rollback().
    await this.executeQuery(control(CompiledQuery.raw('commit')));
    this.#depth = 0;
  }

  /** Commits every open level at once (the migration lock's end); nothing if none is open. */
  async commitAll(): Promise<void> {
    if (this.#depth === 0) return;
    if (this.#held?.inTransaction === false) {
      this.#depth = 0;
      return;
    }
    this.#depth = 1;
    await this.commit();
  }

  /** Rolls back the innermost open level (ROLLBACK, or back to a nested savepoint). */
  async rollback(): Promise<void> {
    if (this.#depth === 0) return;
    if (this.#depth > 1) {
      const name = nestedName(this.#depth - 1);
      await this.executeQuery(control(CompiledQuery.raw(`rollback to ${name}`)));
      await this.executeQuery(control(CompiledQuery.raw(`release ${name}`)));
      this.#depth--;
      return;
    }
    this.#depth = 0;
    // SQLite may have rolled back on its own (an I/O error, a full disk): nothing left to end.
    if (this.#held?.inTransaction === false) return;
    await this.executeQuery(control(CompiledQuery.raw('rollback')));
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (typeof (compiled as Partial<CompiledQuery> | null)?.sql !== 'string')
      throw new PoolError(
        'INVALID_ARGUMENT',
        `executeQuery() takes a Kysely CompiledQuery, got ${showValue(compiled)}`,
      );
    try {
      return await this.#execute<R>(compiled);
    } catch (err) {
      // The error may come from another thread or a retry: give it the caller's frames, as
      // Kysely's own PostgreSQL and MySQL drivers do.
      throw extendStackTrace(err, new Error());
    }
  }

  async #execute<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const shape = shapeOf(compiled.query);
    const own = CONTROL.has(compiled);
    if (own) return run<R>(await this.#pinned(), compiled, { lane: 'write', rows: false });
    if (this.#depth > 0) return this.#inTransaction<R>(compiled, shape);
    if (shape.lane !== 'sql') return run<R>(await this.pin(shape.lane), compiled, shape);
    rejectTransactionControl(compiled.sql);
    return this.#raw<R>(compiled, shape);
  }

  /** Inside a transaction every statement runs on its lease, whatever its lane. */
  async #inTransaction<R>(compiled: CompiledQuery, shape: Shape): Promise<QueryResult<R>> {
    const lease = await this.#pinned();
    if (shape.rows !== 'maybe') return run<R>(lease, compiled, shape);
    return run<R>(lease, compiled, { lane: 'write', rows: await this.#reader(lease, compiled.sql) });
  }

  /**
   * SQL known only as text: SQLite says, once per pool, whether it reads and returns rows. A
   * driver that cannot describe a statement (PostgreSQL, where every lease is equal) runs it on
   * one lease and hands back the rows it returns, without a count of the rows it changed.
   */
  async #raw<R>(compiled: CompiledQuery, shape: Shape): Promise<QueryResult<R>> {
    const { sql } = compiled;
    if (this.pool.driver.dialect === 'postgres')
      return run<R>(await this.pin('write'), compiled, { lane: 'write', rows: true });
    const known = knownKind(this.pool, sql);
    let lease = await this.pin(known === undefined || known.readonly ? 'read' : 'write');
    let kind = known;
    if (kind === undefined) {
      try {
        kind = await statementKind(this.pool, lease, sql);
      } catch {
        // It does not prepare here: the write lane runs it and raises the real error.
        return run<R>(await this.pin('write'), compiled, { lane: 'write', rows: false });
      }
      if (!kind.readonly) lease = await this.pin('write');
    }
    return run<R>(lease, compiled, { ...shape, rows: kind.reader });
  }

  async #reader(lease: Lease, sql: string): Promise<boolean> {
    // PostgreSQL answers every statement with its rows (none for a write without RETURNING).
    if (this.pool.driver.dialect === 'postgres') return true;
    try {
      return (await statementKind(this.pool, lease, sql)).reader;
    } catch {
      return false;
    }
  }

  /** The lease a transaction holds. */
  #pinned(): Promise<Lease> {
    return this.#lease ?? this.pin('write');
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) {
      yield await this.#execute<R>(compiled);
      return;
    }
    const held = this.#lease ? await this.#lease.catch(() => undefined) : undefined;
    const own = held === undefined || held.released;
    const lease = own ? await this.pool.acquire({ mode: 'read' }) : held;
    try {
      // Inline and on worker threads alike, each chunk is read when Kysely asks for it; a driver
      // without cursors answers all the rows at once, handed on in chunks.
      let chunks: AsyncIterable<R[]> | Iterable<R[]>;
      if (streams(lease)) chunks = lease.iterate<R>(compiled.sql, compiled.parameters, chunkSize);
      else {
        chunks = inChunks(await lease.all<R>(compiled.sql, compiled.parameters), chunkSize);
        // The rows are in memory now: a slow consumer need not hold a connection.
        if (own) lease.release();
      }
      for await (const rows of chunks) yield { rows };
    } finally {
      if (own && !lease.released) lease.release();
    }
  }
}

/** The savepoint that stands for a transaction opened at `depth` inside another. */
function nestedName(depth: number): string {
  return `roas_pool_nested_${depth}`;
}

/** Appends the frames of `site` (the caller's) to `err`'s stack, as Kysely's drivers do. */
function extendStackTrace(err: unknown, site: Error): unknown {
  if (err instanceof Error && typeof err.stack === 'string' && site.stack) {
    err.stack += `\n${site.stack.split('\n').slice(1).join('\n')}`;
  }
  return err;
}

/** Whether the lease's driver keeps a cursor open between chunks. */
function streams(lease: Lease): boolean {
  return lease.entry.conn.iterate !== undefined;
}

function* inChunks<R>(rows: R[], size: number): Iterable<R[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

async function run<R>(lease: Lease, compiled: CompiledQuery, shape: Shape): Promise<QueryResult<R>> {
  const { sql, parameters } = compiled;
  if (shape.rows === true) return { rows: await lease.all<R>(sql, parameters) };
  const { changes, lastInsertRowid } = await lease.run(sql, parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
    rows: [],
  };
}
