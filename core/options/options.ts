import type { SchedulerLike } from 'rxjs';
import type { BuiltInOptionChecks, Driver } from '../driver.js';
import { PoolError } from '../errors/errors.js';
import { DURATION_NOTE, MAX_CONNECTIONS, MAX_DURATION_MS, MAX_WAITING } from './limits.js';
import { checkObjects } from './option-checks.js';
import { suggest } from './suggest.js';
import { showValue } from '../errors/show-value.js';
import { unrefScheduler } from '../time/unref-scheduler.js';
import {
  MONITOR_KEYS,
  resolveMonitorOptions,
  type MonitorOptions,
  type ResolvedMonitorOptions,
} from '../monitoring/monitor-options.js';

/**
 * Options of {@link createPool}. Give `filename` for the built-in better-sqlite3 driver, or
 * `driver` for another one (worker threads, PostgreSQL). All durations are milliseconds.
 */
export interface PoolOptions extends MonitorOptions {
  /** SQLite database file for the inline better-sqlite3 driver. */
  filename?: string;
  /** A driver other than the inline better-sqlite3 one. */
  driver?: Driver;
  /** Most connections, the writer included. Default 20. */
  max?: number;
  /** Connections kept open even when idle. Default 0. */
  min?: number;
  /** Most requests that may wait; past it, acquire rejects at once with POOL_EXHAUSTED. Default 1000. */
  maxWaiting?: number;
  /** How long acquire waits for a connection (and, on SQLite, for another process's write lock). Default 5000. */
  acquireTimeoutMs?: number;
  /** How long a write statement outside a transaction retries SQLITE_BUSY from another process. Default `acquireTimeoutMs`. */
  busyTimeoutMs?: number;
  /**
   * Worker threads for the built-in SQLite driver. `true` (or `'hybrid'`): connections run inline,
   * and a read-only statement whose measured run time averages `offloadThresholdMs` or more runs
   * on a reader thread instead, so it never blocks the event loop twice. `'all'`: every connection
   * lives in a worker thread (a round trip per statement). Needs `filename`; with `driver`, pass
   * `hybridDriver({ filename })` or `threadDriver({ filename })`. Default `false` (inline).
   */
  threads?: boolean | 'hybrid' | 'all';
  /**
   * With `threads: true`: a read whose moving average run time reaches this many milliseconds goes
   * to a reader thread; 0 sends every read outside a transaction there. Default 1.
   */
  offloadThresholdMs?: number;
  /**
   * With `threads`: worker threads that run reads. Default `os.availableParallelism()`, one a
   * core; with `threads: 'all'` the writer has one more of its own.
   */
  readerThreads?: number;
  /**
   * Share one fair write lane with the other processes that open the same file on this machine
   * (sharded bots; see docs/shards.md): writers of every process take turns instead of racing for
   * SQLite's lock. Built-in driver, every mode; Linux and macOS. Default `true` where it runs;
   * unset elsewhere it is left out, and `true` given there throws INVALID_OPTION.
   */
  crossProcessLane?: boolean;
  /** Extra `PRAGMA name = value` for every SQLite connection (built-in driver, both modes). */
  pragmas?: Readonly<Record<string, string | number>>;
  /** Prepared statements cached per connection (built-in driver, both modes). Default 256. */
  statementCacheSize?: number;
  /** First wait before opening again after a failed open; doubles per failure (ms). Default 100. */
  reconnectBackoffMs?: number;
  /** Longest wait between failed opens (ms). Default 30000. */
  reconnectBackoffMaxMs?: number;
  /**
   * A reader unused this long is closed, down to `min`; the pool checks after the load has been
   * quiet this long, and at most this often under steady traffic (ms). 0 keeps every connection.
   * Default 60000.
   */
  idleTimeoutMs?: number;
  /** At most one `pool.resized` growth event per cool-down (ms). Default 1000. */
  resizeCooldownMs?: number;
  /**
   * A lease held longer than this is reported once (ms): a `lease.leaked` event on `events$`, or a
   * Node warning (ROAS_POOL_LEASE_LEAKED) when nobody listens there. Default 60000, watched at no
   * cost to acquire: the first report has no stack, and from then on the pool records where each
   * lease is acquired. Set it to record acquire stacks from the start (a few µs per acquire) and arm
   * the safety net that reclaims leases garbage-collected without release. 0 turns it all off.
   */
  leakDetectionThresholdMs?: number;
  /** How long `close()` waits for leases to come back before rolling them back (ms). Default 5000. */
  closeTimeoutMs?: number;
  /**
   * The longest the pool's settled work runs on the microtask queue without a turn of the event
   * loop (ms): past it, statements served in this thread and leases granted at once resolve after
   * the next turn, so a loop of `await pool.read(...)` cannot starve timers and I/O. 0 never
   * yields. Default 1.
   */
  eventLoopBudgetMs?: number;
  /** A connection idle at least this long runs `SELECT 1` before it is lent again (ms); 0 never. Default 30000. */
  validateAfterIdleMs?: number;
  /**
   * A connection is closed and replaced after this long, less up to 10% jitter (ms); one that is
   * leased goes when released. 0 keeps connections for the pool's life. Default 0: SQLite
   * connections do not go stale the way server connections behind a firewall do.
   */
  maxLifetimeMs?: number;
  /**
   * SQLite: when the WAL holds this many frames (pages), restart it with `wal_checkpoint(RESTART)`
   * at the next gap between readers, so overlapping readers cannot make it grow forever. Checked at
   * most once a second after writes. 0 turns it off. Default 10000.
   */
  walCheckpointThresholdFrames?: number;
  /**
   * The clock of every timer in the pool; tests pass a virtual-time scheduler. Default: the pool's
   * own scheduler, on `unref()`'d timers (not RxJS's `asyncScheduler`), so a script that finishes
   * its work exits without `close()`; while a caller awaits the pool (a waiter, a busy retry, a close), the process stays up.
   * Its `now()` is monotonic (`performance.timeOrigin + performance.now()`): deadlines ignore wall-clock jumps.
   */
  scheduler?: SchedulerLike;
  /**
   * Most rows one `all()` (or `values()`) may return; past it the query stops reading and throws
   * RESULT_TOO_LARGE, and the connection stays up. Default 1,000,000, in every mode (inline,
   * hybrid's first inline run, threads): a result past the heap limit would abort the process.
   */
  maxResultRows?: number;
  /**
   * Most bytes one `all()` (or `values()`) may return, counted as the result weighs in memory: the
   * values' lengths (text and blob lengths, 8 a number) plus 96 bytes a row and 16 a value; see
   * `maxResultRows`. Default an eighth of the heap limit of the thread that reads the rows.
   */
  maxResultBytes?: number;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions extends ResolvedMonitorOptions {
  filename: string | undefined;
  driver: Driver | undefined;
  /** `false` (inline), `'hybrid'` (`threads: true`) or `'all'`. */
  threads: false | 'hybrid' | 'all';
  offloadThresholdMs: number;
  /** `undefined`: one a core. */
  readerThreads: number | undefined;
  crossProcessLane: boolean;
  max: number;
  min: number;
  maxWaiting: number;
  acquireTimeoutMs: number;
  busyTimeoutMs: number;
  pragmas: Readonly<Record<string, string | number>>;
  statementCacheSize: number;
  scheduler: SchedulerLike;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  idleTimeoutMs: number;
  resizeCooldownMs: number;
  leakDetectionThresholdMs: number;
  /** Acquire stacks are recorded from the start (the threshold was set), else after a first leak. */
  leakStacks: boolean;
  closeTimeoutMs: number;
  eventLoopBudgetMs: number;
  validateAfterIdleMs: number;
  maxLifetimeMs: number;
  walCheckpointThresholdFrames: number;
  /** `undefined`: the driver's own default (none inline, 1,000,000 on worker threads). */
  maxResultRows: number | undefined;
  /** `undefined`: the driver's own default (none inline, 256 MiB on worker threads). */
  maxResultBytes: number | undefined;
}

/** The most rows and bytes a result cap may be set to. */
export const MAX_RESULT_ROWS = 1_000_000_000;
export const MAX_RESULT_BYTES = 2 ** 32;

const KNOWN: readonly (keyof PoolOptions)[] = [
  'filename',
  'driver',
  'threads',
  'offloadThresholdMs',
  'readerThreads',
  'crossProcessLane',
  'max',
  'min',
  'maxWaiting',
  'acquireTimeoutMs',
  'busyTimeoutMs',
  'pragmas',
  'statementCacheSize',
  'scheduler',
  ...MONITOR_KEYS,
  'reconnectBackoffMs',
  'reconnectBackoffMaxMs',
  'idleTimeoutMs',
  'resizeCooldownMs',
  'leakDetectionThresholdMs',
  'closeTimeoutMs',
  'eventLoopBudgetMs',
  'validateAfterIdleMs',
  'maxLifetimeMs',
  'walCheckpointThresholdFrames',
  'maxResultRows',
  'maxResultBytes',
];

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
}

const DURATION = /Ms$/;
/** Measured with bench/event-loop.ts: see docs/options.md. */
const DEFAULT_EVENT_LOOP_BUDGET_MS = 1;

function integer(
  options: PoolOptions,
  key: keyof PoolOptions,
  fallback: number,
  min: number,
  max = DURATION.test(key) ? MAX_DURATION_MS : Number.MAX_SAFE_INTEGER,
  why = DURATION.test(key) ? ` ${DURATION_NOTE}` : '',
): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      `option "${key}" must be an integer >= ${min} and <= ${max}${why}, got ${showValue(value)}`,
    );
  }
  return value;
}

function optionalInteger(options: PoolOptions, key: keyof PoolOptions, max: number): number | undefined {
  return options[key] === undefined ? undefined : integer(options, key, 0, 1, max);
}

const SIZE_WHY = ` (each connection is a file handle, and on worker threads a thread with its own heap; SQLite serves one writer at a time, so past a few dozen readers more connections add memory, not throughput)`;

/** The health and recovery options; see docs/health.md. */
function healthOptions(options: PoolOptions) {
  const driverLifetime = options.driver?.maxLifetimeMs ?? 0;
  return {
    reconnectBackoffMs: integer(options, 'reconnectBackoffMs', 100, 0),
    reconnectBackoffMaxMs: integer(options, 'reconnectBackoffMaxMs', 30_000, 0),
    idleTimeoutMs: integer(options, 'idleTimeoutMs', 60_000, 0),
    resizeCooldownMs: integer(options, 'resizeCooldownMs', 1000, 0),
    leakDetectionThresholdMs: integer(options, 'leakDetectionThresholdMs', 60_000, 0),
    // Given by the user: record acquire stacks from the first acquire, not from the first leak.
    leakStacks: options.leakDetectionThresholdMs !== undefined,
    closeTimeoutMs: integer(options, 'closeTimeoutMs', 5000, 0),
    validateAfterIdleMs: integer(options, 'validateAfterIdleMs', 30_000, 0),
    maxLifetimeMs: integer(options, 'maxLifetimeMs', driverLifetime, 0),
    walCheckpointThresholdFrames: integer(options, 'walCheckpointThresholdFrames', 10_000, 0),
  };
}

/** Checks `options` synchronously and fills in defaults; throws INVALID_OPTION on the first fault. */
export function resolveOptions(options: PoolOptions, checks: BuiltInOptionChecks): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid(
      `createPool() takes an options object such as { filename: 'bot.db' }, got ${showValue(options)}`,
    );
  for (const key of Object.keys(options)) {
    if (!(KNOWN as readonly string[]).includes(key))
      throw invalid(`unknown option "${key}"${suggest(key, KNOWN)}`);
  }
  if ((options.filename === undefined) === (options.driver === undefined)) {
    throw invalid('give exactly one of "filename" (SQLite file) or "driver"');
  }
  if (options.filename !== undefined) checks.filename(options.filename);
  const threads = checks.threadMode(options.threads, options.driver !== undefined, options.readerThreads);
  checkObjects(options);
  checks.pragmas(options.pragmas);
  const max = integer(options, 'max', 20, 1, MAX_CONNECTIONS, SIZE_WHY);
  const min = integer(options, 'min', 0, 0, MAX_CONNECTIONS, SIZE_WHY);
  if (min > max) throw invalid(`option "min" (${min}) must not exceed "max" (${max})`);
  const singleWriter = options.driver ? options.driver.singleWriter : true;
  if (singleWriter && max < 2) {
    throw invalid('option "max" must be at least 2 on SQLite: one writer and at least one reader');
  }
  const acquireTimeoutMs = integer(options, 'acquireTimeoutMs', 5000, 0);
  const crossProcessLane = options.crossProcessLane ?? true;
  if (typeof crossProcessLane !== 'boolean')
    throw invalid(`option "crossProcessLane" must be true or false, got ${String(crossProcessLane)}`);
  if (options.crossProcessLane !== undefined && options.driver !== undefined)
    throw invalid(
      'option "crossProcessLane" applies to the built-in driver ("filename"); with "driver", pass the driver\'s own option, as in sqliteDriver({ filename, lane: false })',
    );
  checks.lane?.(options.crossProcessLane);
  return {
    filename: options.filename,
    driver: options.driver,
    threads,
    offloadThresholdMs: checks.offloadThreshold(options.offloadThresholdMs, threads),
    readerThreads:
      options.readerThreads === undefined ? undefined : integer(options, 'readerThreads', 1, 1, 256),
    crossProcessLane,
    max,
    min,
    maxWaiting: integer(options, 'maxWaiting', 1000, 0, MAX_WAITING, ' (each waiter holds a promise)'),
    acquireTimeoutMs,
    busyTimeoutMs: integer(options, 'busyTimeoutMs', acquireTimeoutMs, 0),
    pragmas: options.pragmas ?? {},
    statementCacheSize: integer(options, 'statementCacheSize', 256, 1, 100_000),
    eventLoopBudgetMs: integer(options, 'eventLoopBudgetMs', DEFAULT_EVENT_LOOP_BUDGET_MS, 0, 1000),
    scheduler: options.scheduler ?? unrefScheduler,
    ...resolveMonitorOptions(options),
    ...healthOptions(options),
    maxResultRows: optionalInteger(options, 'maxResultRows', MAX_RESULT_ROWS),
    maxResultBytes: optionalInteger(options, 'maxResultBytes', MAX_RESULT_BYTES),
  };
}
