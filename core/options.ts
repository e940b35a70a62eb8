import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Driver } from './driver.js';
import { PoolError } from './errors.js';
import {
  MONITOR_KEYS,
  resolveMonitorOptions,
  type MonitorOptions,
  type ResolvedMonitorOptions,
} from './monitor-options.js';

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
   * Host each connection of the built-in SQLite driver in its own worker thread: heavy queries run
   * in parallel and never block the event loop, at about 0.1 ms a round trip. Needs `filename`;
   * with `driver`, pass `threadDriver({ filename })` instead. Default `false` (inline).
   */
  threads?: boolean;
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
   * A lease held longer than this emits one `lease.leaked` event with the stack of its acquire
   * (ms); also arms the safety net that reclaims leases garbage-collected without release.
   * 0 turns both off, and no stack is captured. Default 0.
   */
  leakDetectionThresholdMs?: number;
  /** How long `close()` waits for leases to come back before rolling them back (ms). Default 5000. */
  closeTimeoutMs?: number;
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
  /** The clock of every timer in the pool; tests pass a virtual-time scheduler. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions extends ResolvedMonitorOptions {
  filename: string | undefined;
  driver: Driver | undefined;
  threads: boolean;
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
  closeTimeoutMs: number;
  validateAfterIdleMs: number;
  maxLifetimeMs: number;
  walCheckpointThresholdFrames: number;
}

const KNOWN: readonly (keyof PoolOptions)[] = [
  'filename',
  'driver',
  'threads',
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
  'validateAfterIdleMs',
  'maxLifetimeMs',
  'walCheckpointThresholdFrames',
];

/** Edit distance, case-insensitive, so `maxwaiting` and `acquireTimeout` find their option. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[y.length] as number;
}

/** The known name nearest to `key`, for "did you mean" messages. */
export function nearest(key: string, known: readonly string[]): string {
  let best = known[0] ?? '';
  let bestScore = Infinity;
  for (const name of known) {
    const score = name.toLowerCase().startsWith(key.toLowerCase()) ? 0.5 : distance(key, name);
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
}

function integer(options: PoolOptions, key: keyof PoolOptions, fallback: number, min: number): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(`option "${key}" must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** The health and recovery options; see docs/health.md. */
function healthOptions(options: PoolOptions) {
  return {
    reconnectBackoffMs: integer(options, 'reconnectBackoffMs', 100, 0),
    reconnectBackoffMaxMs: integer(options, 'reconnectBackoffMaxMs', 30_000, 0),
    idleTimeoutMs: integer(options, 'idleTimeoutMs', 60_000, 0),
    resizeCooldownMs: integer(options, 'resizeCooldownMs', 1000, 0),
    leakDetectionThresholdMs: integer(options, 'leakDetectionThresholdMs', 0, 0),
    closeTimeoutMs: integer(options, 'closeTimeoutMs', 5000, 0),
    validateAfterIdleMs: integer(options, 'validateAfterIdleMs', 30_000, 0),
    maxLifetimeMs: integer(options, 'maxLifetimeMs', 0, 0),
    walCheckpointThresholdFrames: integer(options, 'walCheckpointThresholdFrames', 10_000, 0),
  };
}

/** Checks `options` synchronously and fills in defaults; throws INVALID_OPTION on the first fault. */
export function resolveOptions(options: PoolOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('createPool() takes an options object');
  for (const key of Object.keys(options)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      throw invalid(`unknown option "${key}"; did you mean "${nearest(key, KNOWN)}"?`);
    }
  }
  if ((options.filename === undefined) === (options.driver === undefined)) {
    throw invalid('give exactly one of "filename" (SQLite file) or "driver"');
  }
  if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename === '')) {
    throw invalid('option "filename" must be a non-empty string');
  }
  if (options.threads !== undefined && typeof options.threads !== 'boolean') {
    throw invalid(`option "threads" must be true or false, got ${String(options.threads)}`);
  }
  if (options.threads && options.driver !== undefined) {
    throw invalid('option "threads" applies to "filename"; with "driver", pass threadDriver({ filename })');
  }
  const max = integer(options, 'max', 20, 1);
  const min = integer(options, 'min', 0, 0);
  if (min > max) throw invalid(`option "min" (${min}) must not exceed "max" (${max})`);
  const singleWriter = options.driver ? options.driver.singleWriter : true;
  if (singleWriter && max < 2) {
    throw invalid('option "max" must be at least 2 on SQLite: one writer and at least one reader');
  }
  const acquireTimeoutMs = integer(options, 'acquireTimeoutMs', 5000, 0);
  return {
    filename: options.filename,
    driver: options.driver,
    threads: options.threads ?? false,
    max,
    min,
    maxWaiting: integer(options, 'maxWaiting', 1000, 0),
    acquireTimeoutMs,
    busyTimeoutMs: integer(options, 'busyTimeoutMs', acquireTimeoutMs, 0),
    pragmas: options.pragmas ?? {},
    statementCacheSize: integer(options, 'statementCacheSize', 256, 1),
    scheduler: options.scheduler ?? asyncScheduler,
    ...resolveMonitorOptions(options),
    ...healthOptions(options),
  };
}
