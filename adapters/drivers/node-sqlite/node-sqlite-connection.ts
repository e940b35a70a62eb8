import type {
  DriverConnection,
  Params,
  RunResult,
  StatementInfo,
  SyncStatements,
} from '../../../core/driver.js';
import type { FileGuard } from '../sqlite/file-guard.js';
import { allBound, getBound, runBound } from '../sqlite/bound-call.js';
import { cappedAll, type ResultCaps } from '../sqlite/result-caps.js';
import { sqliteCall, toSqliteError } from './node-sqlite-errors.js';
import type { DatabaseSync, StatementSync } from './node-sqlite-module.js';

/** Runs a synchronous call and hands its result or typed error back as a settled promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(toSqliteError(err));
  }
}

function bind(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

/**
 * The opcodes after which SQLite's `sqlite3_stmt_readonly()` answers false (vdbeaux.c,
 * resolveP2Values): a write transaction, a checkpoint, VACUUM, a journal-mode change. node:sqlite
 * does not expose that call, so the driver reads the statement's program with EXPLAIN.
 */
function writes(op: { opcode?: unknown; p2?: unknown }): boolean {
  return (
    (op.opcode === 'Transaction' && op.p2 !== 0) ||
    op.opcode === 'Checkpoint' ||
    op.opcode === 'Vacuum' ||
    op.opcode === 'JournalMode'
  );
}

/** One node:sqlite connection, as the pool drives it; statements run synchronously, in this thread. */
export class NodeSqliteConnection implements DriverConnection {
  private readonly cache = new Map<string, StatementSync>();

  private readonly readonlyOf = new Map<string, boolean>();

  private unlisten: (() => void) | undefined;

  constructor(
    readonly raw: DatabaseSync,
    private readonly cacheSize: number,
    private readonly guard: FileGuard,
    /** `safeIntegers`: INTEGER columns as bigint, set on each statement (setReadBigInts is in every release with node:sqlite). */
    private readonly bigints = false,
    /** `maxResultRows` / `maxResultBytes`; `undefined` when both are Infinity. */
    private readonly caps: ResultCaps | undefined = undefined,
  ) {}

  /** `stmt.all()`, stopped with RESULT_TOO_LARGE past the caps. */
  private allOf(stmt: StatementSync, params: Params | undefined): unknown[] {
    return this.caps === undefined ? allBound(stmt, params) : cappedAll(stmt, bind(params), this.caps);
  }

  onLost(listener: (cause: Error) => void): void {
    this.unlisten = this.guard.listen(listener);
  }

  get inTransaction(): boolean {
    // node:sqlite throws on a closed database, where better-sqlite3 answers false.
    return this.raw.isOpen && this.raw.isTransaction;
  }

  /** A cached prepared statement; the cache forgets its oldest entry when full. */
  prepare(sql: string): StatementSync {
    let stmt = this.cache.get(sql);
    if (stmt === undefined) {
      stmt = this.statement(sql);
      if (this.cache.size >= this.cacheSize) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  /** A new prepared statement, reading INTEGER as bigint where `safeIntegers` asks for it. */
  private statement(sql: string): StatementSync {
    return sqliteCall(() => {
      const stmt = this.raw.prepare(sql);
      if (this.bigints) stmt.setReadBigInts(true);
      return stmt;
    });
  }

  /** The statements run synchronously: the lease calls these without a promise hop. */
  readonly sync: SyncStatements = {
    run: (sql, params) =>
      sqliteCall(() => {
        const r = runBound(this.prepare(sql), params) as ReturnType<StatementSync['run']>;
        return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
      }),
    get: <T>(sql: string, params?: Params) =>
      sqliteCall(() => getBound(this.prepare(sql), params) as T | undefined),
    all: <T>(sql: string, params?: Params) => sqliteCall(() => this.allOf(this.prepare(sql), params) as T[]),
  };

  run(sql: string, params?: Params): Promise<RunResult> {
    return settle(() => this.sync.run(sql, params));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return settle(() => this.sync.get<T>(sql, params));
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return settle(() => this.sync.all<T>(sql, params));
  }

  values(sql: string, params?: Params): Promise<unknown[][]> {
    return settle(() => {
      // Arrays are a flag on the shared cached statement: set it only for this call.
      const stmt = this.prepare(sql);
      stmt.setReturnArrays(true);
      try {
        return this.allOf(stmt, params) as unknown[][];
      } finally {
        stmt.setReturnArrays(false);
      }
    });
  }

  getMany<T>(sql: string, paramsList: readonly Params[]): Promise<(T | undefined)[]> {
    return settle(() => {
      const stmt = this.prepare(sql);
      return paramsList.map((params) => getBound(stmt, params) as T | undefined);
    });
  }

  async *iterate<T>(sql: string, params: Params | undefined, chunkRows: number): AsyncIterableIterator<T[]> {
    // A statement of its own, not the cached one: a cursor left open must not make the cached
    // statement busy for the connection's next holder.
    const stmt = this.statement(sql);
    const rows = sqliteCall(() => stmt.iterate(...bind(params)) as IterableIterator<T>);
    try {
      let chunk: T[] = [];
      for (;;) {
        const next = sqliteCall(() => rows.next());
        if (next.done === true) break;
        chunk.push(next.value);
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      // The consumer may stop early: reset the cursor so the connection can run statements again.
      rows.return?.();
    }
  }

  exec(sql: string): Promise<void> {
    return settle(() => sqliteCall(() => this.raw.exec(sql)));
  }

  isReadonly(sql: string): Promise<boolean> {
    return settle(() => this.readonly(sql));
  }

  /** SQLite's `sqlite3_stmt_readonly()`, read from the statement's program; cached by text. */
  private readonly(sql: string): boolean {
    let readonly = this.readonlyOf.get(sql);
    if (readonly === undefined) {
      this.prepare(sql); // a statement that does not prepare rejects with its own error
      readonly = /^\s*EXPLAIN\b/i.test(sql)
        ? true
        : !sqliteCall(() => this.raw.prepare(`EXPLAIN ${sql}`).all() as { opcode?: unknown }[]).some(writes);
      if (this.readonlyOf.size >= this.cacheSize) this.readonlyOf.clear();
      this.readonlyOf.set(sql, readonly);
    }
    return readonly;
  }

  describe(sql: string): Promise<StatementInfo> {
    return settle(() => {
      const columns = this.prepare(sql)
        .columns()
        .map((column) => column.name);
      return { readonly: this.readonly(sql), reader: columns.length > 0, columns };
    });
  }

  close(): Promise<void> {
    this.unlisten?.();
    this.cache.clear();
    try {
      if (this.raw.isOpen) this.raw.close();
    } catch {
      // A connection to a vanished or corrupt file may refuse to close cleanly; it is gone anyway.
    }
    return Promise.resolve();
  }
}
