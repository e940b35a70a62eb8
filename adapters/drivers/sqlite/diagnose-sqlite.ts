import {
  diagnosisOf,
  type CodeEntry,
  type Diagnosis,
  type ErrorKind,
} from '../../../core/errors/diagnose.js';
import { SQLITE_CODES } from './sqlite-codes.js';

const UNKNOWN_CODE: CodeEntry = [
  'caller',
  'statement',
  'an error the pool does not know',
  'read its message and stack',
];

/** The codes a bot handles by name, in the words every backend shares. */
const KINDS: Readonly<Record<string, ErrorKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_ROWID: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign-key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not-null',
  SQLITE_BUSY_SNAPSHOT: 'serialization',
};

/**
 * Looks up a SQLite result code by name (`SQLITE_IOERR_WRITE`). An extended code SQLite adds later
 * falls back to its primary code, with `exact: false`.
 *
 * @example
 * ```ts
 * diagnoseSqliteCode('SQLITE_BUSY_SNAPSHOT').category; // 'restart-transaction'
 * ```
 */
export function diagnoseSqliteCode(code: string): Diagnosis {
  const entry = SQLITE_CODES[code];
  if (entry) return diagnosisOf(code, true, entry, KINDS[code]);
  for (let cut = code.lastIndexOf('_'); cut > 'SQLITE'.length; cut = code.lastIndexOf('_', cut - 1)) {
    const primary = SQLITE_CODES[code.slice(0, cut)];
    if (primary) return diagnosisOf(code, false, primary);
  }
  return diagnosisOf(code, false, UNKNOWN_CODE);
}

/**
 * The SQLite driver's half of `diagnose`: an error with a SQLite result code, or one of the few
 * plain errors better-sqlite3 raises without one; `undefined` for anything else.
 *
 * @example
 * ```ts
 * diagnoseWith(err, diagnoseSqliteError);
 * ```
 */
export function diagnoseSqliteError(err: unknown): Diagnosis | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return diagnoseSqliteCode(code);
  if (err instanceof Error && /database connection is not open/.test(err.message))
    return diagnosisOf('UNKNOWN', false, [
      'evict-connection',
      'fatal',
      'the connection was closed under its holder',
      'the pool replaces the connection',
    ]);
  return undefined;
}

/** The SQLite result codes {@link diagnoseSqliteCode} knows exactly. */
export function sqliteCodes(): string[] {
  return Object.keys(SQLITE_CODES);
}
