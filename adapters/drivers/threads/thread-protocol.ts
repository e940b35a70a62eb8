import {
  ERROR_INFO,
  PoolError,
  type PoolErrorCode,
  type PoolStateSummary,
} from '../../../core/errors/errors.js';
import type { ConnectionRole, Params } from '../../../core/driver.js';
import { loadBetterSqlite3 } from '../sqlite/native-binding.js';
import type { SqliteDriverOptions } from '../sqlite/sqlite.js';

/**
 * The messages between a {@link threadDriver} connection and its worker thread. Internal: both
 * sides import this file, nothing else does.
 */

/** What one request asks of the worker's connection. */
export type Op =
  | 'run'
  | 'get'
  | 'all'
  | 'exec'
  | 'readonly'
  | 'getMany'
  | 'values'
  | 'describe'
  /** Opens a cursor (`arg`: rows a chunk) and answers its first {@link Chunk}. */
  | 'iterate'
  /** The next {@link Chunk} of cursor `arg`. */
  | 'next'
  /** Closes cursor `arg` before its end. */
  | 'end'
  /** A request that failed to send (its caller was told why): answered with nothing, never run. */
  | 'skip';

/**
 * Rows of an open cursor, as `iterate` and `next` answer them. `cursor` is 0 once `done`: the
 * worker has closed it.
 */
export interface Chunk {
  cursor: number;
  rows: unknown[];
  done: boolean;
}

/**
 * A batch of requests, column by column (one array a field clones faster than one object a
 * request). Request `i` has id `first + i`. A statement's text crosses once: afterwards `sql[i]` is
 * the number the main thread gave it, and the worker keeps the text under that number.
 */
export interface Batch {
  type: 'batch';
  first: number;
  /** The connection each request is for: one thread hosts several connections. */
  conns: number[];
  ops: Op[];
  sql: (string | number)[];
  /** The parameters; for `getMany`, the list of parameter sets. */
  params: (Params | readonly Params[] | undefined)[];
  /** `iterate`: rows a chunk; `next` and `end`: the cursor. Unused by the other operations. */
  arg: (number | undefined)[];
  /** New statement numbers in this batch: `[number, text]`, to learn before running it. */
  learn: [number, string][];
}

/**
 * An error as it crosses the boundary, field by field: its class name, message and code, a
 * PoolError's detail and counts, its cause. The main thread rebuilds it from these and parses
 * nothing.
 */
export interface WireError {
  name: string;
  message: string;
  /** SQLite's extended result code (`SQLITE_BUSY`), a PoolError's code, or any other `code`. */
  code?: string;
  /** A PoolError's detail, which its message repeats between the code and the counts. */
  detail?: string;
  /** A PoolError's counts, where it has them. */
  state?: PoolStateSummary;
  /** The error's `cause`, flattened the same way. */
  cause?: WireError;
  /** The error's other own fields that are plain values (numbers, strings, booleans). */
  fields?: Record<string, string | number | boolean>;
}

/**
 * The outcomes of one batch, in order: `values[i]` answers request `first + i` unless `errors`
 * lists `i`. `inTx[i]` is its connection's transaction state right after it; `ms[i]` how long it
 * ran in the worker (the hybrid driver learns from it which statements are worth a thread).
 */
export interface Replies {
  type: 'replies';
  first: number;
  values: unknown[];
  errors: [number, WireError][];
  inTx: boolean[];
  ms: number[];
}

/**
 * Main thread to worker: open or close one of the worker's connections (numbered by the main
 * thread), a batch of requests (run in order), or the order to close everything and end.
 */
export type ToWorker =
  | Batch
  | { type: 'open'; conn: number; role: ConnectionRole }
  | { type: 'close'; conn: number }
  | { type: 'exit' };

/** Worker to main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'opened'; conn: number }
  | { type: 'open-failed'; conn: number; error: WireError }
  | { type: 'closed'; conn: number }
  /** A message the worker could not handle (a defect): it went on with the next one. */
  | { type: 'fault'; error: WireError }
  | Replies;

/** What the worker is started with: the options of every connection it will open. */
export interface WorkerInput {
  options: SqliteDriverOptions;
}

/** How deep a chain of causes crosses; past it the chain is cut (a cause may point back). */
const CAUSE_DEPTH = 4;

/** Flattens an error for `postMessage`, which would otherwise drop its class, `code` and cause. */
export function toWire(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const wire: WireError = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') wire.code = code;
  if (err.cause !== undefined && depth < CAUSE_DEPTH) wire.cause = toWire(err.cause, depth + 1);
  if (err instanceof PoolError) {
    const { detail, state } = err;
    return state === undefined ? { ...wire, detail } : { ...wire, detail, state };
  }
  for (const [key, value] of Object.entries(err)) {
    if (key === 'code' || key === 'name' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      (wire.fields ??= {})[key] = value;
  }
  return wire;
}

const CLASSES: Readonly<Record<string, ErrorConstructor>> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error on the main thread with the class it had in the worker: a PoolError from its
 * code, detail and counts (so its message is the one the worker made), better-sqlite3's
 * `SqliteError` (so `classifySqliteError` and `instanceof` behave as inline) or the same built-in
 * class, with its `code`, its cause and other plain fields. Called in the caller's async frame
 * (see {@link RemoteFailure}), so its stack points at the caller, as inline.
 */
export function fromWire(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWire(wire.cause);
  if (wire.name === 'PoolError' && wire.code !== undefined && Object.hasOwn(ERROR_INFO, wire.code)) {
    return new PoolError(wire.code as PoolErrorCode, wire.detail, { cause, state: wire.state });
  }
  const sqlite = wire.name === 'SqliteError' || (wire.code?.startsWith('SQLITE_') ?? false);
  const err = sqlite
    ? new (loadBetterSqlite3().SqliteError)(wire.message, wire.code ?? 'SQLITE_ERROR')
    : new (CLASSES[wire.name] ?? Error)(wire.message, cause === undefined ? undefined : { cause });
  if (sqlite && cause !== undefined) Object.assign(err, { cause });
  if (!sqlite && wire.code !== undefined) Object.assign(err, { code: wire.code });
  if (wire.fields !== undefined) Object.assign(err, wire.fields);
  // An unknown class keeps its name, so `err.name` still tells what the worker raised.
  if (!sqlite && CLASSES[wire.name] === undefined && wire.name !== 'Error')
    Object.defineProperty(err, 'name', { value: wire.name, configurable: true, writable: true });
  return err;
}

/**
 * What a request the worker answered with an error is rejected with inside the driver. The
 * connection turns it into the error ({@link fromWire}) in its own async function, after its
 * await: V8 then gives that error the awaiting callers' frames (async stack traces), so a request
 * that succeeds pays nothing for a failed one's stack. @internal
 */
export class RemoteFailure {
  constructor(readonly wire: WireError) {}
}

/** Structured clone turns a Buffer into a plain Uint8Array; give blob columns back their Buffer. */
function restoreRow(row: unknown): void {
  if (row === null || typeof row !== 'object') return;
  const record = row as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      record[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
}

/** Restores the Buffers of a result's rows in place and returns it. */
export function restoreRows(op: Op, value: unknown): unknown {
  if (op === 'get') restoreRow(value);
  else if (op === 'all' || op === 'getMany' || op === 'values')
    for (const row of value as unknown[]) restoreRow(row);
  else if (op === 'iterate' || op === 'next') for (const row of (value as Chunk).rows) restoreRow(row);
  return value;
}

/**
 * A small Buffer usually views Node's shared 8 KiB pool, and structured clone copies the whole
 * pool with it: send a tight copy instead.
 */
function packValue(value: unknown): unknown {
  return value instanceof Uint8Array && value.byteLength !== value.buffer.byteLength
    ? new Uint8Array(value)
    : value;
}

/** Prepares parameters for `postMessage`. */
export function packParams(params: Params): Params {
  if (Array.isArray(params)) {
    const list = params as readonly unknown[];
    return list.some((v) => v instanceof Uint8Array) ? list.map(packValue) : list;
  }
  const named = params as Readonly<Record<string, unknown>>;
  if (!Object.values(named).some((v) => v instanceof Uint8Array)) return named;
  return Object.fromEntries(Object.entries(named).map(([k, v]) => [k, packValue(v)]));
}
