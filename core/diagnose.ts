import { ERROR_INFO, PoolError, type PoolErrorCode } from './errors.js';
import {
  SQLITE_CODES,
  type CodeEntry,
  type ErrorCategory,
  type Handling,
} from '../adapters/drivers/sqlite/sqlite-codes.js';

export type { ErrorCategory, Handling } from '../adapters/drivers/sqlite/sqlite-codes.js';

/** What an error means and what to do about it; see {@link diagnose}. */
export interface Diagnosis {
  /** The code looked up: a PoolError code, SQLite's extended code, or `UNKNOWN`. */
  code: string;
  /** False when only the primary code (or nothing) matched, so the answer is a fallback. */
  exact: boolean;
  category: ErrorCategory;
  /** How the pool handles it (also what the SQLite driver's `classify()` returns). */
  handling: Handling;
  /** One line: what happened. */
  diagnosis: string;
  /** One line: what to do. */
  remedy: string;
  /** One line: what the pool does on its own. */
  action: string;
  /** The diagnosis of the error's `cause`, when it has one that says more. */
  cause?: Diagnosis;
}

const ACTION: Readonly<Record<Handling, string>> = {
  busy: 'outside a transaction, waits with jittered backoff and retries until busyTimeoutMs, then throws SQLITE_BUSY; inside one, throws SQLITE_BUSY at once',
  'read-only': 'on a read lease throws READ_ONLY_LEASE; on a write lease throws DATABASE_READ_ONLY',
  fatal:
    'fails the connection actor and throws CONNECTION_LOST; the supervisor opens a replacement with backoff, and rejects waiters with CONNECTION_FAILED when none can open',
  statement: 'rethrows the error unchanged; the connection stays in the pool',
};

const POOL: Readonly<Record<PoolErrorCode, readonly [ErrorCategory, string]>> = {
  ACQUIRE_TIMEOUT: ['retry', 'rejects this acquire only; the error carries the pool state and last failure'],
  POOL_CLOSED: ['usage-bug', 'rejects every acquire after close()'],
  POOL_EXHAUSTED: ['retry', 'rejects at once instead of queueing past maxWaiting'],
  ABORTED: ['caller', 'removes the waiter; no lease is left behind'],
  LEASE_RELEASED: ['usage-bug', 'refuses the statement; the connection already serves someone else'],
  LEASE_REVOKED: [
    'usage-bug',
    'refuses every later statement before it reaches the connection, then rolls back the transaction left open',
  ],
  DOUBLE_RELEASE: ['usage-bug', 'throws at the second release, changes nothing else and counts it'],
  SQLITE_BUSY: [
    'restart-transaction',
    'gave up (after busyTimeoutMs outside a transaction, at once inside one); pool.transaction() rolled back',
  ],
  READ_ONLY_LEASE: ['usage-bug', 'refuses the write; the read connection is untouched'],
  DATABASE_READ_ONLY: ['fatal', 'refuses the write; nothing was written and reads keep working'],
  CONNECTION_FAILED: ['fatal', 'rejects waiters at once with the cause; it does not spin re-opening'],
  CONNECTION_LOST: ['evict-connection', 'replaced the connection; the transaction was rolled back'],
  INVALID_OPTION: ['usage-bug', 'throws synchronously from createPool()'],
  NOT_SUPPORTED: ['usage-bug', 'throws at once'],
  UNPINNED_TRANSACTION: ['usage-bug', 'refuses the statement before it runs; nothing was written'],
  NATIVE_BINDING_MISSING: ['fatal', 'throws synchronously from createPool(); no connection was opened'],
};

const UNKNOWN: CodeEntry = [
  'caller',
  'statement',
  'an error the pool does not know',
  'read its message and stack',
];

function fromEntry(
  code: string,
  exact: boolean,
  [category, handling, diagnosis, remedy]: CodeEntry,
): Diagnosis {
  return { code, exact, category, handling, diagnosis, remedy, action: ACTION[handling] };
}

/**
 * Looks up a SQLite result code by name (`SQLITE_IOERR_WRITE`). An extended code SQLite adds later
 * falls back to its primary code, with `exact: false`.
 */
export function diagnoseSqliteCode(code: string): Diagnosis {
  const entry = SQLITE_CODES[code];
  if (entry) return fromEntry(code, true, entry);
  for (let cut = code.lastIndexOf('_'); cut > 'SQLITE'.length; cut = code.lastIndexOf('_', cut - 1)) {
    const primary = SQLITE_CODES[code.slice(0, cut)];
    if (primary) return fromEntry(code, false, primary);
  }
  return fromEntry(code, false, UNKNOWN);
}

/** better-sqlite3 raises a few plain errors of its own, without a SQLite code. */
function diagnosePlain(err: Error): Diagnosis {
  if (/database connection is not open/.test(err.message))
    return fromEntry('UNKNOWN', false, [
      'evict-connection',
      'fatal',
      'the connection was closed under its holder',
      'the pool replaces the connection',
    ]);
  if (err instanceof RangeError || err instanceof TypeError)
    return fromEntry('UNKNOWN', false, ['usage-bug', 'statement', `a bad call: ${err.message}`, BUG_REMEDY]);
  return fromEntry('UNKNOWN', false, UNKNOWN);
}
const BUG_REMEDY = 'fix the statement or its parameters';

/**
 * Explains any error the pool or SQLite raised: its category (retry, restart-transaction,
 * evict-connection, fatal, usage-bug, caller), a one-line diagnosis and remedy, and what the pool
 * does about it. A PoolError that wraps a SQLite error also explains the cause.
 *
 * @example
 * ```ts
 * try {
 *   await pool.write((db) => db.run('INSERT INTO xp (user) VALUES (?)', ['ann']));
 * } catch (err) {
 *   const d = diagnose(err);
 *   if (d.category === 'retry') setTimeout(retry, 100);
 *   else log.error(`${d.code}: ${d.diagnosis}. Fix: ${d.remedy}`);
 * }
 * ```
 */
export function diagnose(err: unknown): Diagnosis {
  if (err instanceof PoolError) {
    const [category, action] = POOL[err.code];
    const info = ERROR_INFO[err.code];
    const d: Diagnosis = {
      code: err.code,
      exact: true,
      category,
      handling: 'statement',
      diagnosis: info.diagnosis,
      remedy: info.remedy,
      action,
    };
    if (err.cause !== undefined && err.cause !== null) d.cause = diagnose(err.cause);
    return d;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return diagnoseSqliteCode(code);
  if (err instanceof Error) return diagnosePlain(err);
  return fromEntry('UNKNOWN', false, UNKNOWN);
}

/** The codes {@link diagnose} knows exactly: every PoolError code and every SQLite result code. */
export function knownCodes(): { pool: PoolErrorCode[]; sqlite: string[] } {
  return { pool: Object.keys(POOL) as PoolErrorCode[], sqlite: Object.keys(SQLITE_CODES) };
}
