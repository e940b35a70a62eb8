import { PoolError } from '../errors/errors.js';
import { MAX_DURATION_MS } from '../options/limits.js';
import { nearest } from '../options/nearest.js';
import { showValue } from '../errors/show-value.js';

/**
 * Checks of the arguments of `acquire()`, `read()`, `write()` and `transaction()`, made at the call
 * so that a mistake fails at once, with INVALID_ARGUMENT, the value received and its type, and
 * what is accepted; never later as a read lease that cannot write or a wait that never ends.
 */

const ACQUIRE_KEYS = ['mode', 'timeoutMs', 'signal'];
const RUN_KEYS = ['timeoutMs', 'signal'];

/** What users type for a mode, and the mode they mean. */
const MODE_MEANT: Readonly<Record<string, string>> = {
  rw: "'write' (a write lease also reads)",
  readwrite: "'write' (a write lease also reads)",
  'read-write': "'write' (a write lease also reads)",
  read_write: "'write' (a write lease also reads)",
  w: "'write'",
  r: "'read'",
  ro: "'read'",
  readonly: "'read'",
  'read-only': "'read'",
  exclusive: "'write' (SQLite has one write lane; pool.transaction() for BEGIN IMMEDIATE)",
  immediate: "'write' (pool.transaction() runs BEGIN IMMEDIATE)",
};

/** Key names users bring to acquire options, and the one meant. */
const KEY_MEANT: Readonly<Record<string, string>> = {
  timeout: 'timeoutMs',
  acquiretimeoutms: 'timeoutMs',
  acquiretimeoutmillis: 'timeoutMs',
  timeoutmillis: 'timeoutMs',
  abortsignal: 'signal',
};

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_ARGUMENT', detail);
}

function checkKeys(call: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    if (key === 'mode' && call !== 'acquire')
      throw invalid(
        `${call}() takes no "mode": ${call === 'read' ? 'pool.read() always reads; use pool.write() or pool.transaction() to write' : `pool.${call}() always takes the write lane`}`,
      );
    const meant = KEY_MEANT[key.toLowerCase()] ?? nearest(key, known);
    throw invalid(
      `${call}() got an unknown option "${key}"; did you mean "${meant}"? Accepted: ${known.join(', ')}`,
    );
  }
}

function checkCommon(call: string, options: { timeoutMs?: unknown; signal?: unknown }): void {
  const { timeoutMs, signal } = options;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' ||
      !Number.isFinite(timeoutMs) ||
      timeoutMs < 0 ||
      timeoutMs > MAX_DURATION_MS)
  )
    throw invalid(
      `${call}() option "timeoutMs" must be a number of ms from 0 to ${MAX_DURATION_MS} (the longest delay a Node.js timer can wait), got ${showValue(timeoutMs)}`,
    );
  if (signal !== undefined && !isAbortSignal(signal))
    throw invalid(
      `${call}() option "signal" must be an AbortSignal (new AbortController().signal, or AbortSignal.timeout(ms)), got ${showValue(signal)}`,
    );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  // One from another realm (a vm context, a test runner's global) is just as good.
  const v = value as { aborted?: unknown; addEventListener?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.aborted === 'boolean' &&
    typeof v.addEventListener === 'function'
  );
}

function checkObject(
  call: string,
  options: unknown,
  accepted: string,
): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalid(`${call}() takes an options object { ${accepted} }, got ${showValue(options)}`);
}

/** The checks of `acquire(options)`. */
export function checkAcquireOptions(options: unknown): void {
  if (typeof options === 'string')
    throw invalid(
      `acquire() takes an options object, got ${showValue(options)}; did you mean acquire({ mode: '${nearest(options, ['read', 'write'])}' })?`,
    );
  checkObject('acquire', options, "mode?: 'read' | 'write', timeoutMs?, signal?");
  checkKeys('acquire', options, ACQUIRE_KEYS);
  const { mode } = options;
  if (mode !== undefined && mode !== 'read' && mode !== 'write') {
    const meant =
      typeof mode === 'string'
        ? (MODE_MEANT[mode.toLowerCase()] ?? `'${nearest(mode, ['read', 'write'])}'`)
        : undefined;
    throw invalid(
      `acquire() option "mode" must be 'read' or 'write', got ${showValue(mode)}${meant ? `; did you mean ${meant}?` : ''}`,
    );
  }
  checkCommon('acquire', options);
}

/** The checks of `read(fn, options)`, `write(fn, options)` and `transaction(fn, options)`. */
export function checkRunArguments(
  call: 'read' | 'write' | 'transaction',
  fn: unknown,
  options: unknown,
): void {
  if (typeof fn !== 'function') {
    const hint =
      typeof fn === 'string'
        ? `; to run SQL, pass a function that runs it: pool.${call}((db) => db.${call === 'read' ? 'all' : 'run'}(${JSON.stringify(fn.slice(0, 40))}))`
        : '';
    throw invalid(
      `pool.${call}() takes a function (lease) => result as its first argument, got ${showValue(fn)}${hint}`,
    );
  }
  if (options === undefined) return;
  checkObject(call, options, 'timeoutMs?, signal?');
  checkKeys(call, options, RUN_KEYS);
  checkCommon(call, options);
}

/**
 * The error `checkAcquireOptions` would throw, returned instead: a method that returns a promise
 * hands it to `Promise.reject`, so `pool.acquire(bad).catch(handle)` works.
 */
export function acquireOptionsError(options: unknown): PoolError | undefined {
  try {
    checkAcquireOptions(options);
    return undefined;
  } catch (err) {
    return err as PoolError;
  }
}

/** The error `checkRunArguments` would throw, returned instead; free on the common call `(fn)`. */
export function runArgumentsError(
  call: 'read' | 'write' | 'transaction',
  fn: unknown,
  options: unknown,
): PoolError | undefined {
  if (options === undefined && typeof fn === 'function') return undefined;
  try {
    checkRunArguments(call, fn, options);
    return undefined;
  } catch (err) {
    return err as PoolError;
  }
}

/** INVALID_ARGUMENT for a statement's SQL that is not a string (a lease or facade method). */
export function sqlError(call: string, sql: unknown): PoolError {
  return invalid(`${call}() takes the SQL as a string as its first argument, got ${showValue(sql)}`);
}
