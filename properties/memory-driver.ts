import type { ConnectionRole, Driver, DriverConnection, Params, RunResult } from '../core/driver.js';
import type { Handling } from '../core/errors/diagnose.js';
import { MemoryTransaction } from './memory-rows.js';
import { sqliteMaintenance } from '../adapters/drivers/sqlite/maintenance.js';

/**
 * A FAKE driver, for property tests only. The properties must decide when every open, statement
 * and close settles (so that fast-check's scheduler can interleave them and replay the order from
 * a seed) and must inject open failures and fatal statement errors at chosen moments. A real
 * database can do neither deterministically, so this in-memory stand-in implements the Driver
 * seam (core/driver.ts) and nothing else; the same properties also run on better-sqlite3.
 */

/** The SQL that makes a memory connection fail fatally, as a dying disk would (SQLITE_IOERR). */
export const FATAL_SQL = 'FAIL FATALLY';
/** The SQL that fails as a statement (a constraint), leaving the connection and its transaction up. */
export const FAILING_SQL = 'FAIL STATEMENT';

/** Wraps a driver promise so that its settlement can be delayed; fast-check's `s.schedule`. */
export type Schedule = <T>(task: Promise<T>, label: string) => Promise<T>;

/** Faults to inject; the driver reads them at the moment of each call. */
export interface MemoryFaults {
  /** Opens still to fail (decremented by each failed open). */
  failOpens: number;
  /** Every open fails: a database that cannot be reached. */
  alwaysFail: boolean;
}

/** What the fake has done, for the properties' invariants. */
export interface MemoryDriverLog {
  openAttempts: number;
  opened: number;
  closed: number;
  /** Statements run on a connection after it was closed: a pool bug. */
  useAfterClose: number;
  /** INSERTs made durable: in autocommit, or by their transaction's COMMIT. */
  committed: number;
}

/** How the fake answers; see {@link memoryDriver}. */
export interface MemoryDriverOptions {
  /**
   * Like the worker-thread driver: `inTransaction` is the state as of the last answered statement
   * (a stale mirror while statements are in flight), and `answered()` waits for them.
   */
  answerLater?: boolean;
}

/** A memory driver with its fault switches and its log. */
export interface MemoryDriver extends Driver {
  readonly faults: MemoryFaults;
  readonly log: MemoryDriverLog;
  /** The committed rows of table `nest` (memory-rows.ts), by id. */
  readonly rows: Set<number>;
}

/** A rejection the scheduler releases; created only then, so it is never unhandled meanwhile. */
function failLater<T>(schedule: Schedule, error: Error, label: string): Promise<T> {
  return schedule(Promise.resolve(), label).then(() => Promise.reject(error));
}

class FatalError extends Error {
  readonly code = 'MEMORY_FATAL';
}

class MemoryConnection implements DriverConnection {
  readonly raw = undefined;
  closed = false;
  /** The connection's own state, changed as each statement runs (at once, in call order). */
  private tx = false;
  /** What the pool is told under `answerLater`: the state after the last answered statement. */
  private mirror = false;
  private readonly work: MemoryTransaction;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  readonly answered: (() => Promise<void> | undefined) | undefined;
  constructor(
    readonly id: number,
    private readonly driver: MemoryDriver,
    private readonly schedule: Schedule,
    private readonly answerLater: boolean,
  ) {
    this.work = new MemoryTransaction(driver.rows);
    this.answered = answerLater
      ? () => (this.inFlight === 0 ? undefined : new Promise((resolve) => this.idle.push(resolve)))
      : undefined;
  }

  get inTransaction(): boolean {
    return this.answerLater ? this.mirror : this.tx;
  }

  private statement<T>(sql: string, value: T, params?: Params): Promise<T> {
    if (this.closed) {
      this.driver.log.useAfterClose++;
      return Promise.reject(new Error(`memory connection ${this.id} used after close`));
    }
    if (sql === FATAL_SQL)
      return failLater(this.schedule, new FatalError('disk I/O error'), `fatal#${this.id}`);
    if (sql === FAILING_SQL)
      return failLater(this.schedule, new Error('UNIQUE constraint failed'), `sql#${this.id}`);
    const upper = sql.trim().toUpperCase();
    if (upper === 'COMMIT' && !this.tx)
      return failLater(
        this.schedule,
        new Error('cannot commit - no transaction is active'),
        `sql#${this.id}`,
      );
    try {
      if (this.work.savepoint(sql, this.tx)) return this.answer(value);
    } catch (err) {
      return failLater(this.schedule, err as Error, `sql#${this.id}`);
    }
    if (upper.startsWith('BEGIN')) this.tx = true;
    if (upper.startsWith('INSERT')) {
      if (!this.tx) this.driver.log.committed++;
      this.work.insert(sql, params, this.tx);
    }
    if (upper === 'COMMIT') this.driver.log.committed += this.work.commit();
    if (upper === 'ROLLBACK') this.work.rollback();
    if (upper === 'COMMIT' || upper === 'ROLLBACK') this.tx = false;
    return this.answer(value);
  }

  private answer<T>(value: T): Promise<T> {
    const after = this.tx;
    this.inFlight++;
    return this.schedule(Promise.resolve(value), `sql#${this.id}`).then((v) => {
      this.mirror = --this.inFlight === 0 ? this.tx : after;
      if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
      return v;
    });
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.statement(sql, { changes: 0, lastInsertRowid: undefined }, params);
  }
  get<T>(sql: string): Promise<T | undefined> {
    return this.statement<T | undefined>(sql, undefined);
  }
  all<T>(sql: string): Promise<T[]> {
    return this.statement<T[]>(sql, (this.work.select(sql) ?? []) as T[]);
  }
  exec(sql: string): Promise<void> {
    return this.statement(sql, undefined);
  }
  isReadonly(sql: string): Promise<boolean> {
    return Promise.resolve(/^\s*select/i.test(sql));
  }
  /** Keeps fast-check's counterexample reports short. */
  toJSON(): string {
    return `memory connection #${this.id}`;
  }
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      // A connection closed inside a transaction rolls it back.
      this.work.rollback();
      this.driver.log.closed++;
    }
    return this.schedule(Promise.resolve(), `close#${this.id}`);
  }
}

/**
 * Creates the fake. `schedule` defaults to settling at once.
 *
 * @example
 * ```ts
 * const driver = memoryDriver((task, label) => s.schedule(task, label));
 * driver.faults.failOpens = 1; // the next open rejects
 * ```
 */
export function memoryDriver(
  schedule: Schedule = (task) => task,
  options: MemoryDriverOptions = {},
): MemoryDriver {
  let ids = 0;
  const driver: MemoryDriver = {
    name: 'memory (fake)',
    dialect: 'sqlite',
    singleWriter: true,
    beginWrite: 'BEGIN IMMEDIATE',
    maintenance: sqliteMaintenance,
    faults: { failOpens: 0, alwaysFail: false },
    rows: new Set<number>(),
    log: { openAttempts: 0, opened: 0, closed: 0, useAfterClose: 0, committed: 0 },
    classify(err: unknown): Handling {
      return err instanceof FatalError ? 'fatal' : 'statement';
    },
    open(role: ConnectionRole): Promise<DriverConnection> {
      driver.log.openAttempts++;
      const id = ++ids;
      if (driver.faults.alwaysFail || driver.faults.failOpens > 0) {
        if (driver.faults.failOpens > 0) driver.faults.failOpens--;
        return failLater(schedule, new Error(`memory: cannot open ${role} #${id}`), `open#${id}`);
      }
      const conn = new MemoryConnection(id, driver, schedule, options.answerLater ?? false);
      // Counted when the open settles, so a connection still opening is not "open".
      return schedule(Promise.resolve(conn), `open#${id}`).then((c) => {
        driver.log.opened++;
        return c;
      });
    },
  };
  return driver;
}
