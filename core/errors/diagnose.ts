import { ERROR_INFO, PoolError, type ErrorCategory, type PoolErrorCode } from './errors.js';

/**
 * How the pool itself handles the error, which is also what the driver's `classify()` answers:
 * `busy` waits and retries outside a transaction, `read-only` becomes READ_ONLY_LEASE on a read
 * lease, `fatal` fails the connection actor (the supervisor replaces it), `statement` rethrows.
 * (`ErrorClass`, the driver port's older name for it, is an alias.)
 */
export type Handling = 'busy' | 'read-only' | 'fatal' | 'statement';

/**
 * What happened, in words that mean the same on every backend, for the cases a bot handles by
 * name: a duplicate key is `unique` on SQLite (`SQLITE_CONSTRAINT_UNIQUE`) and on PostgreSQL
 * (23505) alike.
 */
export type ErrorKind =
  'unique' | 'foreign-key' | 'check' | 'not-null' | 'serialization' | 'deadlock' | 'timeout' | 'connection';

/** One row of a driver's code table: [category, handling, diagnosis, remedy]. */
export type CodeEntry = readonly [ErrorCategory, Handling, string, string];

/** What an error means and what to do about it; see {@link diagnoseWith}. */
export interface Diagnosis {
  /** The code looked up: a PoolError code, SQLite's extended code, a SQLSTATE, or `UNKNOWN`. */
  code: string;
  /** The same on every backend, where the error is one a bot handles by name; see {@link ErrorKind}. */
  kind?: ErrorKind;
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

/**
 * A driver's half of {@link diagnoseWith}: explains an error its engine raised, or answers `undefined`
 * when the error is not one of its own. The SQLite driver's is `diagnoseSqliteError`.
 */
export type DriverDiagnosis = (err: unknown) => Diagnosis | undefined;

const UNKNOWN: CodeEntry = [
  'caller',
  'statement',
  'an error the pool does not know',
  'read its message and stack',
];

/** A diagnosis from one row of a code table; `exact` is false when only a fallback matched. */
export function diagnosisOf(
  code: string,
  exact: boolean,
  [category, handling, diagnosis, remedy]: CodeEntry,
  kind?: ErrorKind,
): Diagnosis {
  const d: Diagnosis = { code, exact, category, handling, diagnosis, remedy, action: ACTION[handling] };
  if (kind) d.kind = kind;
  return d;
}

const BUG_REMEDY = 'fix the statement or its parameters';

/**
 * Explains any error the pool or its driver raised: its category (retry, restart-transaction,
 * evict-connection, fatal, usage-bug, caller), a one-line diagnosis and remedy, and what the pool
 * does about it. The pool's own codes are known here; an engine's error is asked of `driver`, the
 * driver's half ({@link DriverDiagnosis}). A PoolError that wraps an engine error also explains
 * the cause. The public `diagnose` is this with the SQLite driver's half (create-pool.ts).
 *
 * @example
 * ```ts
 * try {
 *   await pool.write((db) => db.run('INSERT INTO xp (user) VALUES (?)', ['ann']));
 * } catch (err) {
 *   const d = diagnoseWith(err, diagnoseSqliteError);
 *   if (d.category === 'retry') setTimeout(retry, 100);
 *   else log.error(`${d.code}: ${d.diagnosis}. Fix: ${d.remedy}`);
 * }
 * ```
 */
export function diagnoseWith(err: unknown, driver?: DriverDiagnosis): Diagnosis {
  if (err instanceof PoolError) {
    const { category, diagnosis, remedy, action } = ERROR_INFO[err.code];
    const d: Diagnosis = {
      code: err.code,
      ...(err.code === 'CONNECTION_LOST' || err.code === 'CONNECTION_FAILED' ? { kind: 'connection' } : {}),
      exact: true,
      category,
      handling: 'statement',
      diagnosis,
      remedy,
      action,
    };
    if (err.cause !== undefined && err.cause !== null) d.cause = diagnoseWith(err.cause, driver);
    return d;
  }
  const fromDriver = driver?.(err);
  if (fromDriver) return fromDriver;
  if (err instanceof RangeError || err instanceof TypeError)
    return diagnosisOf('UNKNOWN', false, [
      'usage-bug',
      'statement',
      `a bad call: ${err.message}`,
      BUG_REMEDY,
    ]);
  return diagnosisOf('UNKNOWN', false, UNKNOWN);
}

/** The PoolError codes {@link diagnoseWith} knows, in the order of the error table. */
export function poolCodes(): PoolErrorCode[] {
  return Object.keys(ERROR_INFO) as PoolErrorCode[];
}
