/**
 * The PostgreSQL driver, over node-postgres (`pg`, an optional peer dependency). Import it from
 * the `roas-pool/postgres` subpath; the core never loads `pg`.
 */
import pg from 'pg';
import { PoolError } from '../../../core/errors/errors.js';
import { MAX_DURATION_MS } from '../../../core/options/limits.js';
import { showValue } from '../../../core/errors/show-value.js';
import type { ConnectionRole, Driver, DriverConnection, Params, RunResult } from '../../../core/driver.js';
import { classifyPostgresError, isSerializationFailure, markLost, pgCode } from './pg-errors.js';
import { questionToDollar } from './pg-placeholders.js';
import { changesSession, RESET_SESSION_SQL } from './session-state.js';
import { connectionUrl } from './connection-string.js';

export { classifyPostgresError, isSerializationFailure, retrySerializationFailures } from './pg-errors.js';
export { questionToDollar } from './pg-placeholders.js';
export { diagnosePostgresCode, diagnosePostgresError } from './pg-codes.js';
export { connectionUrl } from './connection-string.js';

/** Isolation levels `BEGIN` can ask for. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Options of {@link postgresDriver}: node-postgres's client config plus the pool's own. */
export interface PostgresDriverOptions extends pg.ClientConfig {
  /** Isolation level of `pool.transaction()`. Default: the server's (`read committed`). */
  isolationLevel?: IsolationLevel;
  /**
   * How many more times a statement that runs outside a transaction is sent again after a
   * serialization failure or deadlock (40001, 40P01), which the server rolled back. Default 0.
   * Inside a transaction only the whole transaction can be retried: see `retrySerializationFailures()`.
   */
  retrySerializationFailures?: number;
  /**
   * `native` (default): SQL goes to the server as written, with `$1, $2` placeholders.
   * `question`: SQLite-style `?` placeholders are rewritten to `$n` first (outside literals and
   * comments), for bot code written against SQLite. Named parameters are not supported.
   */
  placeholders?: 'native' | 'question';
  /** How `int8` values (`count(*)`, `bigint`) come back. Default `number`, like better-sqlite3. */
  int8?: 'number' | 'bigint' | 'string';
  /**
   * Retire each connection after this long (ms), with up to 10% random jitter so they do not all
   * go at once: a free one is closed and replaced at once, a leased one when released. The same as
   * the pool's own `maxLifetimeMs` (which wins when both are set): a retirement is a
   * `connection.replaced` event, never a failure, so it counts in no error rate. Default: none.
   */
  maxLifetimeMs?: number;
}

const INT8_OID = 20;
const CHOICES = {
  isolationLevel: ['read committed', 'repeatable read', 'serializable'],
  placeholders: ['native', 'question'],
  int8: ['number', 'bigint', 'string'],
} as const;

/** Misuse fails fast: a choice option outside its list throws INVALID_OPTION naming the list. */
function checkChoices(options: PostgresDriverOptions): void {
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const value = options[key as keyof typeof CHOICES];
    if (value !== undefined && !(allowed as readonly string[]).includes(value))
      throw new PoolError(
        'INVALID_OPTION',
        `postgresDriver option "${key}" must be one of ${allowed.join(', ')}, got ${showValue(value)}`,
      );
  }
  const life = options.maxLifetimeMs;
  if (
    life !== undefined &&
    (typeof life !== 'number' || !Number.isInteger(life) || life < 1 || life > MAX_DURATION_MS)
  )
    throw new PoolError(
      'INVALID_OPTION',
      `postgresDriver option "maxLifetimeMs" must be an integer from 1 to ${MAX_DURATION_MS} (ms), got ${showValue(life)}`,
    );
}
const BEGIN_RE = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const END_RE = /^\s*(COMMIT|END|ABORT|ROLLBACK(?!\s+TO\b)|ROLLBACK\s+(AND\s+NO\s+CHAIN|WORK|TRANSACTION)\b)/i;
const WRITE_WORD =
  /\b(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|INTO|FOR\s+(UPDATE|SHARE|NO\s+KEY|KEY))\b/i;

/**
 * Whether `sql` only reads, by a prefix heuristic: `SELECT`, `VALUES`, `TABLE`, `SHOW`, `EXPLAIN`
 * without `ANALYZE`, and `WITH ... SELECT`, none with a writing keyword (`INSERT`, `INTO`,
 * `FOR UPDATE`, ...) anywhere. Leading comments and parentheses are skipped. A `SELECT` of a
 * function that writes (`nextval`, a user function) is not detected.
 */
export function isReadonlySql(sql: string): boolean {
  const body = sql.replace(/^(\s|\(|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  const word = /^\w+/.exec(body)?.[0]?.toUpperCase();
  if (word === 'SHOW') return true;
  if (word === 'EXPLAIN') return !/^EXPLAIN\s+(\([^)]*ANALYZE|ANALYZE)/i.test(body);
  if (word === 'SELECT' || word === 'VALUES' || word === 'TABLE' || word === 'WITH')
    return !WRITE_WORD.test(body);
  return false;
}

function values(params: Params | undefined): unknown[] | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) return params as unknown[];
  throw new TypeError('named parameters are not supported on PostgreSQL: pass an array for $1, $2, ...');
}

class PostgresConnection implements DriverConnection {
  private lost: Error | undefined;
  private closing = false;
  private tracked = false;
  /** The holder may have changed the session (see session-state.ts): reset it on release. */
  private changed = false;
  private readonly listeners: ((cause: Error) => void)[] = [];

  constructor(
    private readonly client: pg.Client,
    private readonly retries: number,
    private readonly translate: boolean,
  ) {
    // Without an 'error' listener a server-side kill would crash the process.
    client.on('error', (err: Error) => this.lose(err));
    client.on('end', () => this.lose(new Error('Connection terminated: the server closed the connection')));
  }

  /** The `pg.Client`. What is done through it cannot be seen, so the session is reset on release. */
  get raw(): pg.Client {
    this.changed = true;
    return this.client;
  }

  resetSession(): Promise<void> | undefined {
    if (!this.changed || this.lost) return undefined;
    this.changed = false;
    return this.client.query(RESET_SESSION_SQL).then(() => undefined);
  }

  get inTransaction(): boolean {
    if (this.lost) return false;
    // 'T' in a transaction, 'E' in a failed one (still needs ROLLBACK), 'I' idle.
    const status = this.client.getTransactionStatus?.() as string | null | undefined;
    return status === 'T' || status === 'E' || (status == null && this.tracked);
  }

  private lose(cause: Error): void {
    if (this.closing || this.lost) return;
    this.lost = cause;
    for (const listener of this.listeners) listener(cause);
  }

  onLost(listener: (cause: Error) => void): void {
    if (this.lost) listener(this.lost);
    else this.listeners.push(listener);
  }

  private async query(sql: string, params: Params | undefined): Promise<pg.QueryResult> {
    const text = this.translate ? questionToDollar(sql) : sql;
    const args = values(params);
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.changed && changesSession(sql)) this.changed = true;
        const result = await this.client.query(text, args);
        if (BEGIN_RE.test(sql)) this.tracked = true;
        else if (END_RE.test(sql)) this.tracked = false;
        return result;
      } catch (err) {
        if (this.lost) throw this.lostBefore(err, this.lost);
        if (attempt < this.retries && !this.inTransaction && isSerializationFailure(err)) continue;
        throw err;
      }
    }
  }

  /**
   * A statement on a connection that already reported itself lost. When the loss was heard first
   * (the server's FATAL arrived while no query was active), node-postgres answers only "not
   * queryable": keep the server's reason (its SQLSTATE, e.g. 57P01) as what failed.
   */
  private lostBefore(err: unknown, lost: Error): unknown {
    if (pgCode(err) !== undefined || pgCode(lost) === undefined) {
      markLost(err);
      return err;
    }
    // code and severity are what mark a server's error (pg-codes.ts diagnosePostgresError).
    const { code, severity } = lost as Error & { code?: string; severity?: string };
    const why = Object.assign(new Error(lost.message, { cause: err }), { code, severity });
    markLost(why);
    return why;
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    const result = await this.query(sql, params);
    return { changes: result.rowCount ?? 0, lastInsertRowid: undefined };
  }

  async get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async all<T>(sql: string, params?: Params): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql, undefined);
  }

  isReadonly(sql: string): Promise<boolean> {
    return Promise.resolve(isReadonlySql(sql));
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.client.end();
    } catch {
      // A connection the server already closed has nothing left to end.
    }
  }
}

function int8Parser(mode: 'number' | 'bigint' | 'string'): pg.CustomTypesConfig {
  const base = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
  const parse = mode === 'bigint' ? BigInt : Number;
  return {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8_OID && format !== 'binary' && mode !== 'string'
        ? parse
        : base(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * A driver for PostgreSQL. Every connection is equal (no single-writer lane): MVCC and row
 * locks let writers run side by side. `connectionTimeoutMillis` defaults to 5000 so that a server
 * that accepts TCP but never answers makes acquire fail instead of hang.
 *
 * @example
 * ```ts
 * import { createPool } from 'roas-pool';
 * import { postgresDriver } from 'roas-pool/postgres';
 * const pool = createPool({ driver: postgresDriver({ connectionString: process.env.DATABASE_URL }) });
 * await pool.write((db) => db.run('INSERT INTO xp (user_id, points) VALUES ($1, $2)', [7, 10]));
 * ```
 */
export function postgresDriver(options: PostgresDriverOptions = {}): Driver {
  checkChoices(options);
  const { isolationLevel, retrySerializationFailures, placeholders, int8, maxLifetimeMs, ...client } =
    options;
  const config: pg.ClientConfig = {
    connectionTimeoutMillis: 5000,
    // TCP keepalive notices a peer that vanished without closing the socket (a dropped NAT entry).
    keepAlive: true,
    ...client,
    // A libpq `key=value` string reads as the CLI reads it (connection-string.ts).
    ...(client.connectionString === undefined
      ? {}
      : { connectionString: connectionUrl(client.connectionString) }),
    types: client.types ?? int8Parser(int8 ?? 'number'),
  };
  return {
    name: 'node-postgres',
    dialect: 'postgres',
    singleWriter: false,
    beginWrite: isolationLevel ? `BEGIN ISOLATION LEVEL ${isolationLevel.toUpperCase()}` : 'BEGIN',
    classify: classifyPostgresError,
    // The pool retires by age (a replacement); a timer here could only report a failure.
    ...(maxLifetimeMs === undefined ? {} : { maxLifetimeMs }),
    async open(_role: ConnectionRole): Promise<DriverConnection> {
      const raw = new pg.Client(config);
      const conn = new PostgresConnection(raw, retrySerializationFailures ?? 0, placeholders === 'question');
      try {
        await raw.connect();
      } catch (err) {
        await conn.close();
        throw err;
      }
      return conn;
    },
  };
}
