/**
 * The stable codes of every error the pool itself raises. Codes never change meaning; new ones
 * may be added in a minor release.
 */
export type PoolErrorCode =
  | 'ACQUIRE_TIMEOUT'
  | 'POOL_CLOSED'
  | 'POOL_EXHAUSTED'
  | 'ABORTED'
  | 'LEASE_RELEASED'
  | 'LEASE_REVOKED'
  | 'DOUBLE_RELEASE'
  | 'SQLITE_BUSY'
  | 'READ_ONLY_LEASE'
  | 'DATABASE_READ_ONLY'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'RESULT_TOO_LARGE'
  | 'NOT_SUPPORTED'
  | 'UNPINNED_TRANSACTION'
  | 'NATIVE_BINDING_MISSING'
  | 'NESTED_ACQUIRE'
  | 'LISTENER_FAILED';

/** What the pool knows about its connections at the moment an error was raised. */
export interface PoolStateSummary {
  total: number;
  leased: number;
  idle: number;
  waiting: number;
}

/** What the caller (or the pool) should do about an error; `diagnose()` answers it. */
export type ErrorCategory =
  'retry' | 'restart-transaction' | 'evict-connection' | 'fatal' | 'usage-bug' | 'caller';

interface ErrorInfo {
  /** One line: what happened. */
  diagnosis: string;
  /** One line: what to do. */
  remedy: string;
  /** What the caller should do about it, as `diagnose()` sorts it. */
  category: ErrorCategory;
  /** One line: what the pool does on its own when it raises it. */
  action: string;
}

/**
 * The one table of the pool's own codes: for each, one line of diagnosis and one of remedy (every
 * PoolError's message ends with them), its category and what the pool does. `diagnose()`, the
 * error table in docs/errors.md and the README read this; its order is the table's.
 */
export const ERROR_INFO: Readonly<Record<PoolErrorCode, ErrorInfo>> = {
  ACQUIRE_TIMEOUT: {
    diagnosis: 'no connection became free before the acquire deadline',
    remedy:
      'release or shorten the leases that hold the lane (a write lease from acquire() that is still out blocks every write), raise max (it adds readers: SQLite has one writer), or raise acquireTimeoutMs',
    category: 'retry',
    action: 'rejects this acquire only; the error carries the pool state and last failure',
  },
  POOL_CLOSED: {
    diagnosis: 'the pool was closed before or while this request waited',
    remedy: 'acquire before calling pool.close(), or create a new pool',
    category: 'usage-bug',
    action: 'rejects every acquire after close()',
  },
  POOL_EXHAUSTED: {
    diagnosis: 'the wait queue is full (maxWaiting requests already wait)',
    remedy: 'shed load upstream, raise maxWaiting, or hold leases for less time',
    category: 'retry',
    action: 'rejects at once instead of queueing past maxWaiting',
  },
  ABORTED: {
    diagnosis: 'the caller aborted the acquire through its AbortSignal',
    remedy: 'nothing to fix if the abort was intended; no lease was left behind',
    category: 'caller',
    action: 'removes the waiter; no lease is left behind',
  },
  LEASE_RELEASED: {
    diagnosis: 'the lease was used after release()',
    remedy: 'finish every statement before release(), or use pool.read()/pool.write() which release for you',
    category: 'usage-bug',
    action: 'refuses the statement; the connection already serves someone else',
  },
  LEASE_REVOKED: {
    diagnosis:
      'the pool took the connection back from this lease (close() stopped waiting after closeTimeoutMs, or the connection failed) and rolled back the transaction it had open',
    remedy:
      'retry the work on a new lease, as nothing of that transaction was committed; at shutdown, release leases before close() or raise closeTimeoutMs',
    category: 'usage-bug',
    action:
      'refuses every later statement before it reaches the connection, then rolls back the transaction left open',
  },
  DOUBLE_RELEASE: {
    diagnosis: 'release() was called twice on the same lease',
    remedy: 'release each lease exactly once; pool.read()/pool.write() release for you',
    category: 'usage-bug',
    action: 'throws at the second release, changes nothing else and counts it',
  },
  SQLITE_BUSY: {
    diagnosis: 'another process held the database write lock until the deadline',
    remedy: 'shorten write transactions in the other process, or raise acquireTimeoutMs',
    category: 'restart-transaction',
    action:
      'gave up (after busyTimeoutMs outside a transaction, at once inside one); pool.transaction() rolled back',
  },
  READ_ONLY_LEASE: {
    diagnosis: 'a statement that writes ran on a read lease',
    remedy: "acquire with { mode: 'write' }, or use pool.write() / pool.transaction()",
    category: 'usage-bug',
    action: 'refuses the write; the read connection is untouched',
  },
  DATABASE_READ_ONLY: {
    diagnosis: 'the database file cannot be written by this process (permissions, a read-only mount)',
    remedy: 'make the file and its folder writable by the user running the bot; reads keep working',
    category: 'fatal',
    action: 'refuses the write; nothing was written and reads keep working',
  },
  CONNECTION_FAILED: {
    diagnosis: 'the driver could not open a connection',
    remedy: 'check the cause: the path, its permissions, the disk, or the server address',
    category: 'fatal',
    action: 'rejects waiters at once with the cause; it does not spin re-opening',
  },
  CONNECTION_LOST: {
    diagnosis: 'the connection failed while this request used it',
    remedy: 'retry the work if it is idempotent; the pool has replaced the connection',
    category: 'evict-connection',
    action: 'replaced the connection; the transaction was rolled back',
  },
  INVALID_OPTION: {
    diagnosis: 'an option passed to the pool is unknown, of the wrong type or out of range',
    remedy:
      'use the value, range or option name the message lists as accepted; docs/options.md lists every option with its unit and default',
    category: 'usage-bug',
    action: 'throws synchronously from createPool(), a driver factory or resize()',
  },
  INVALID_ARGUMENT: {
    diagnosis:
      'an argument of a pool call (a callback, an acquire mode, a timeout, a signal) is of the wrong type or out of range',
    remedy:
      "pass what the message lists as accepted: a function (lease) => ..., mode 'read' or 'write', timeoutMs as whole ms, signal from an AbortController",
    category: 'usage-bug',
    action: "rejects the call's promise at once, before any connection is acquired; nothing ran",
  },
  RESULT_TOO_LARGE: {
    diagnosis:
      'a query returned more rows or bytes than maxResultRows / maxResultBytes allow; nothing was returned and the connection stays open',
    remedy:
      'page the query (LIMIT with a WHERE on the last key seen) or aggregate in SQL; raise maxResultRows / maxResultBytes only if the process has the memory',
    category: 'caller',
    action:
      'stopped reading rows at the cap and threw; the connection (and its worker thread) stays in the pool',
  },
  NOT_SUPPORTED: {
    diagnosis: 'the driver in use does not offer this feature',
    remedy: 'use the async lease methods, or a driver that offers it',
    category: 'usage-bug',
    action: 'throws at once',
  },
  UNPINNED_TRANSACTION: {
    diagnosis:
      'a transaction statement (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) came through an adapter that takes a new lease for every statement, so the transaction would span connections',
    remedy: "use the adapter's db.transaction(), or pool.transaction() for raw SQL",
    category: 'usage-bug',
    action: 'refuses the statement before it runs; nothing was written',
  },
  NATIVE_BINDING_MISSING: {
    diagnosis:
      "better-sqlite3's native binding is missing or was built for another Node.js version (npm skipped or never ran its install script)",
    remedy:
      'approve and run its install script: `npm approve-scripts better-sqlite3 && npm rebuild better-sqlite3` (npm 11.16 and later; older npm: `npm rebuild better-sqlite3`; npx: `npx --allow-scripts=better-sqlite3 roas-pool ...`); building from source needs python3, make and a C++ compiler',
    category: 'fatal',
    action: 'throws synchronously from createPool(); no connection was opened',
  },
  NESTED_ACQUIRE: {
    diagnosis:
      "acquire({ mode: 'write' }) was called inside a pool.write() or pool.transaction() callback of the same pool, whose write lease it would wait for until ACQUIRE_TIMEOUT",
    remedy:
      'run the inner work on the lease that callback received, or through pool.write() / pool.transaction(), which join it (a savepoint inside a transaction)',
    category: 'usage-bug',
    action: 'rejects this acquire at once; the outer lease and its transaction are untouched',
  },
  LISTENER_FAILED: {
    diagnosis:
      'a listener the pool calls (pool.metrics.listen) threw; the pool caught it, kept the measure and carried on',
    remedy: 'catch errors inside the listener; the cause is what it threw',
    category: 'usage-bug',
    action: 'caught the throw and reported it on events$; the lease and its waiters go on',
  },
};

/**
 * The one error class the pool raises. `code` is stable; the message ends with the remedy.
 *
 * @example
 * ```ts
 * try {
 *   await pool.read((db) => db.get('SELECT 1'));
 * } catch (err) {
 *   if (err instanceof PoolError && err.code === 'ACQUIRE_TIMEOUT') console.warn(err.state);
 * }
 * ```
 */
export class PoolError extends Error {
  override readonly name = 'PoolError';
  readonly code: PoolErrorCode;
  readonly diagnosis: string;
  readonly remedy: string;
  /**
   * What happened this time, as the message tells it between the code and the counts: the detail
   * given where the error was raised, or the code's diagnosis when none was.
   */
  readonly detail: string;
  /** The pool's counts when the error was raised, where they matter (timeouts, exhaustion). */
  readonly state: PoolStateSummary | undefined;

  constructor(
    code: PoolErrorCode,
    detail?: string,
    options: { cause?: unknown; state?: PoolStateSummary } = {},
  ) {
    const info = ERROR_INFO[code];
    const counts = options.state
      ? ` (total ${options.state.total}, leased ${options.state.leased}, idle ${options.state.idle}, waiting ${options.state.waiting})`
      : '';
    const what = `${detail ?? info.diagnosis}${counts}`;
    // A detail that ends in a question ("did you mean ...?") keeps its mark instead of gaining a period.
    const stop = /[.?!]$/.test(what) ? '' : '.';
    super(`${code}: ${what}${stop} Fix: ${info.remedy}.`, { cause: options.cause });
    this.code = code;
    this.diagnosis = info.diagnosis;
    this.remedy = info.remedy;
    this.detail = detail ?? info.diagnosis;
    this.state = options.state;
  }
}

/** True when `err` is a PoolError, optionally of the given code. */
export function isPoolError(err: unknown, code?: PoolErrorCode): err is PoolError {
  return err instanceof PoolError && (code === undefined || err.code === code);
}
