import { getHeapStatistics } from 'node:v8';
import { PoolError } from '../../../core/errors/errors.js';

/** The caps of one connection: most rows, and most bytes as {@link rowBytes} counts them. @internal */
export interface ResultCaps {
  rows: number;
  bytes: number;
}

/** The default `maxResultRows`, in every mode. */
export const DEFAULT_MAX_RESULT_ROWS = 1_000_000;

/**
 * What JavaScript spends on a row (its object or array, its slot in the result) and on each value
 * (its slot, a string's or number's header) beyond the value's own bytes. Measured with Node 20 on
 * 1M-row results (`heapUsed` after gc): 66 bytes a row of one integer, 146 with a 60-character
 * text, 194 for the same rows as arrays (`values()`); these round the object form up.
 */
const ROW_OVERHEAD = 96;
const VALUE_OVERHEAD = 16;

/**
 * The default `maxResultBytes`: an eighth of the heap limit of the thread reading the rows. A
 * result is held twice on its way out of a worker (the rows, then their serialized copy) and once
 * more on the main thread, beside what the bot itself keeps: a fixed figure that fits a 4 GB heap
 * would not fit a worker started with `--max-old-space-size=256`.
 */
export function defaultMaxResultBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 8);
}

/** The caps of a connection; `undefined` (no check, the bare `all()`) only when both are Infinity. */
export function resultCaps(options: {
  maxResultRows?: number;
  maxResultBytes?: number;
}): ResultCaps | undefined {
  const rows = options.maxResultRows ?? DEFAULT_MAX_RESULT_ROWS;
  const bytes = options.maxResultBytes ?? defaultMaxResultBytes();
  return rows === Infinity && bytes === Infinity ? undefined : { rows, bytes };
}

/** What a value costs: text and blob lengths, 8 bytes a number, plus its overhead. */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return VALUE_OVERHEAD + value.length;
  if (value instanceof Uint8Array) return VALUE_OVERHEAD + value.byteLength;
  return VALUE_OVERHEAD + (value === null || value === undefined ? 0 : 8);
}

function rowBytes(row: unknown): number {
  let bytes = ROW_OVERHEAD;
  if (Array.isArray(row)) for (const value of row) bytes += valueBytes(value);
  else if (row !== null && typeof row === 'object')
    for (const key in row as Record<string, unknown>)
      bytes += valueBytes((row as Record<string, unknown>)[key]);
  else bytes += valueBytes(row);
  return bytes;
}

/** A prepared statement that reads its rows one at a time (better-sqlite3's and node:sqlite's). */
export interface RowSource {
  iterate(...args: unknown[]): Iterable<unknown>;
}

/**
 * `stmt.all()`, one row at a time, stopping with RESULT_TOO_LARGE at the first row past a cap.
 * @internal
 */
export function cappedAll(stmt: RowSource, args: unknown[], caps: ResultCaps): unknown[] {
  const rows: unknown[] = [];
  let bytes = 0;
  // Leaving the loop by a throw calls the iterator's return(), which resets the statement.
  for (const row of stmt.iterate(...args)) {
    if (rows.length === caps.rows)
      throw new PoolError(
        'RESULT_TOO_LARGE',
        `the query returned more than maxResultRows (${caps.rows}) rows; it stopped reading there`,
      );
    bytes += rowBytes(row);
    if (bytes > caps.bytes)
      throw new PoolError(
        'RESULT_TOO_LARGE',
        `the query returned more than maxResultBytes (${caps.bytes}) bytes within its first ${rows.length + 1} rows; it stopped reading there`,
      );
    rows.push(row);
  }
  return rows;
}
