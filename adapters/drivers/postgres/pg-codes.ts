import {
  diagnosisOf,
  type CodeEntry,
  type Diagnosis,
  type ErrorKind,
} from '../../../core/errors/diagnose.js';

// No import of `pg` here: the main entry point's `diagnose()` reads this table.

const SQL = 'the caller handles it: validate the input or catch the error';
const BUG = 'fix the SQL or the call that raised it';
const RERUN = 'run the whole transaction again (retrySerializationFailures() does)';
const GONE = 'the pool replaces the connection; run the work again';

type Row = readonly [CodeEntry, ErrorKind?];

/**
 * What the SQLSTATEs a bot meets mean to a pool (postgresql.org/docs/current/errcodes-appendix.html).
 * `handling` is what `classifyPostgresError()` answers for the same code.
 */
const CODES: Readonly<Record<string, Row>> = {
  '23505': [
    ['caller', 'statement', 'a UNIQUE or PRIMARY KEY constraint failed: the row exists', SQL],
    'unique',
  ],
  '23503': [['caller', 'statement', 'a FOREIGN KEY constraint failed', SQL], 'foreign-key'],
  '23514': [['caller', 'statement', 'a CHECK constraint failed', SQL], 'check'],
  '23502': [['caller', 'statement', 'a NOT NULL constraint failed', SQL], 'not-null'],
  '23P01': [['caller', 'statement', 'an EXCLUDE constraint failed', SQL]],
  '40001': [
    ['restart-transaction', 'statement', 'a serialization failure: rolled back', RERUN],
    'serialization',
  ],
  '40P01': [
    ['restart-transaction', 'statement', 'a deadlock: this transaction was rolled back', RERUN],
    'deadlock',
  ],
  '57014': [
    [
      'caller',
      'statement',
      'the statement was cancelled (statement_timeout, or a cancel request)',
      'make it faster, or raise statement_timeout',
    ],
    'timeout',
  ],
  '55P03': [
    ['retry', 'statement', 'a lock was not available (lock_timeout or NOWAIT)', 'retry later'],
    'timeout',
  ],
  '25P03': [
    ['evict-connection', 'fatal', 'idle_in_transaction_session_timeout ended the session', GONE],
    'timeout',
  ],
  '57P05': [['evict-connection', 'fatal', 'idle_session_timeout ended the session', GONE], 'connection'],
  '57P01': [
    [
      'evict-connection',
      'fatal',
      'the server ended the session (admin shutdown, pg_terminate_backend)',
      GONE,
    ],
    'connection',
  ],
  '57P02': [['evict-connection', 'fatal', 'the server crashed and ended every session', GONE], 'connection'],
  '57P03': [
    [
      'retry',
      'fatal',
      'the server is starting up or shutting down',
      'wait: the pool opens again with backoff',
    ],
    'connection',
  ],
  '53300': [
    [
      'retry',
      'statement',
      'the server has no connection slot left',
      'lower max across processes, or raise max_connections',
    ],
    'connection',
  ],
  '25P02': [
    [
      'usage-bug',
      'statement',
      'a statement ran in a transaction that already failed',
      'roll back after an error in a transaction',
    ],
  ],
  '42P01': [['usage-bug', 'statement', 'no such table', BUG]],
  '42703': [['usage-bug', 'statement', 'no such column', BUG]],
  '42601': [['usage-bug', 'statement', 'a syntax error', BUG]],
  '42883': [['usage-bug', 'statement', 'no such function or operator for these types', BUG]],
  '42P07': [
    ['caller', 'statement', 'the table (or other relation) already exists', 'use CREATE ... IF NOT EXISTS'],
  ],
  '22P02': [['caller', 'statement', 'a value is not valid text for its type', SQL]],
  '22021': [
    ['caller', 'statement', 'a byte sequence is not valid in the encoding (a NUL byte in text)', SQL],
  ],
  '22001': [['caller', 'statement', 'a string is too long for its column', SQL]],
  '22003': [['caller', 'statement', 'a number is out of range for its type', SQL]],
  '22008': [['caller', 'statement', 'a date or time is out of range', SQL]],
  '22007': [['caller', 'statement', 'a date or time is not valid', SQL]],
};

/** By the first two characters, the class, when the code is not in the table. */
const CLASSES: Readonly<Record<string, Row>> = {
  '08': [['evict-connection', 'fatal', 'a connection exception', GONE], 'connection'],
  '22': [['caller', 'statement', 'a data exception', SQL]],
  '23': [['caller', 'statement', 'an integrity constraint failed', SQL]],
  '28': [['fatal', 'statement', 'authentication failed', 'check the user, password and pg_hba.conf']],
  '3D': [['fatal', 'statement', 'no such database', 'check the database name in the connection string']],
  '40': [['restart-transaction', 'statement', 'the transaction was rolled back', RERUN]],
  '42': [['usage-bug', 'statement', 'a syntax error or access rule violation', BUG]],
  '53': [
    [
      'fatal',
      'statement',
      'the server ran out of a resource (disk, memory, connections)',
      'check the server',
    ],
  ],
  '57': [['evict-connection', 'fatal', 'an operator intervened', GONE], 'connection'],
};

/** Node socket errors and node-postgres's own messages for a connection that is gone or stuck. */
const SOCKET = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTCONN|EHOSTUNREACH|ENOTFOUND)$/;
const LOST_MESSAGE = /Connection terminated|not queryable|Connection timeout/;
const QUERY_TIMEOUT_MESSAGE = /Query read timeout/;

/**
 * Looks up a SQLSTATE (`23505`); an unknown one falls back to its class, with `exact: false`.
 *
 * @example
 * ```ts
 * diagnosePostgresCode('23505').kind; // 'unique'
 * ```
 */
export function diagnosePostgresCode(code: string): Diagnosis {
  const exact = CODES[code];
  const row = exact ??
    CLASSES[code.slice(0, 2)] ?? [['caller', 'statement', 'a PostgreSQL error', 'read its message']];
  return diagnosisOf(code, exact !== undefined, row[0], row[1]);
}

/**
 * The PostgreSQL driver's half of `diagnose`: a node-postgres error with a SQLSTATE, a socket
 * error, or node-postgres's own "Query read timeout" / "Connection terminated"; `undefined` for
 * anything else. The error itself keeps its native `code`.
 *
 * @example
 * ```ts
 * diagnoseWith(err, diagnosePostgresError);
 * ```
 */
export function diagnosePostgresError(err: unknown): Diagnosis | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    typeof (err as { severity?: unknown }).severity === 'string'
  )
    return diagnosePostgresCode(code);
  if (typeof code === 'string' && SOCKET.test(code))
    return diagnosisOf(
      code,
      true,
      ['evict-connection', 'fatal', 'the connection to the server failed or was cut', GONE],
      'connection',
    );
  if (!(err instanceof Error) || code !== undefined) return undefined;
  if (QUERY_TIMEOUT_MESSAGE.test(err.message))
    return diagnosisOf(
      'UNKNOWN',
      false,
      [
        'evict-connection',
        'fatal',
        "the driver's query_timeout fired: the connection is retired",
        'make the query faster, or raise query_timeout',
      ],
      'timeout',
    );
  if (LOST_MESSAGE.test(err.message))
    return diagnosisOf(
      'UNKNOWN',
      false,
      ['evict-connection', 'fatal', 'node-postgres lost the connection', GONE],
      'connection',
    );
  return undefined;
}
