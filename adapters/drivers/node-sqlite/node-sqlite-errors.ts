import type { Handling } from '../../../core/errors/diagnose.js';
import { diagnoseSqliteCode } from '../sqlite/diagnose-sqlite.js';
import { sqliteCodeName } from './sqlite-result-codes.js';

/**
 * An error SQLite raised through node:sqlite, with the code in the form better-sqlite3 gives it:
 * `code` is SQLite's extended result code by name (`SQLITE_CONSTRAINT_UNIQUE`), so `diagnose()`,
 * `classify()` and a caller's `err.code === 'SQLITE_BUSY'` work the same on both drivers.
 * node:sqlite's own error (`code: 'ERR_SQLITE_ERROR'`, numeric `errcode`) is the `cause`.
 *
 * @example
 * ```ts
 * err.code; // 'SQLITE_CONSTRAINT_UNIQUE'
 * err.errcode; // 2067
 * ```
 */
export class NodeSqliteError extends Error {
  override readonly name = 'SqliteError';

  constructor(
    message: string,
    /** SQLite's extended result code by name. */
    readonly code: string,
    /** SQLite's extended result code, as a number. */
    readonly errcode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * node:sqlite's error as a {@link NodeSqliteError}; anything else unchanged. A statement on a
 * closed database (node:sqlite's ERR_INVALID_STATE, "database is not open") becomes SQLITE_MISUSE,
 * which the pool treats as a lost connection, as it does better-sqlite3's "not open" error.
 */
export function toSqliteError(err: unknown): unknown {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return err;
  if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number')
    return new NodeSqliteError(String(e.message), sqliteCodeName(e.errcode), e.errcode, { cause: err });
  if (e.code === 'ERR_INVALID_STATE' && /database is not open/.test(String(e.message)))
    return new NodeSqliteError(String(e.message), 'SQLITE_MISUSE', 21, { cause: err });
  return err;
}

/** Runs `fn`, turning node:sqlite's errors into {@link NodeSqliteError}. */
export function sqliteCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toSqliteError(err);
  }
}

/** Sorts an error for the pool, from the same code table as `diagnose()`; see `Driver.classify`. */
export function classifyNodeSqliteError(err: unknown): Handling {
  const code = (toSqliteError(err) as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_')
    ? diagnoseSqliteCode(code).handling
    : 'statement';
}
