import type { InspectionEvent } from 'xstate';
import { PoolError } from '../errors/errors.js';
import { MAX_DURATION_MS } from '../options/limits.js';
import { nearest } from '../options/nearest.js';
import { showValue } from '../errors/show-value.js';

/** Where and how often snapshots go into the `connection_pool_stats` table. */
export interface StatsTableOptions {
  /** Time between two snapshot rows, ms. Default 60000. */
  intervalMs?: number;
  /** Rows older than this are deleted in the same write, ms; `false` keeps every row. Default 604800000 (7 days). */
  retentionMs?: number | false;
}

/** Alert thresholds; `false` turns an alert off. See docs/monitoring.md. */
export interface AlertOptions {
  /** ACQUIRE_WAIT_HIGH when the window's p95 acquire wait exceeds this, ms. Default 50. */
  acquireWaitP95Ms?: number | false;
  /** ERROR_RATE_HIGH when the window's error rate exceeds this, a fraction. Default 0.01. */
  errorRate?: number | false;
  /** POOL_SATURATED when requests have been waiting continuously for longer than this, ms. Default 10000. */
  saturationMs?: number | false;
  /** LEASE_LEAKED when the window's leaks exceed this count. Default 0. */
  leaks?: number | false;
  /** CONNECTION_FAILURES when the window's connection failures exceed this count. Default 2. */
  connectionFailures?: number | false;
  /** An alert clears once its condition has been false for this long, ms. Default `statsWindowMs`. */
  clearAfterMs?: number;
}

/** The monitoring options of `createPool`. */
export interface MonitorOptions {
  /** Time between two snapshots of `pool.stats$`, and between two alert checks, ms. Default 1000. */
  statsIntervalMs?: number;
  /** Length of the sliding window of `stats().window`, the alerts and the stats table, ms. Default 60000. */
  statsWindowMs?: number;
  /** Writes snapshots into `connection_pool_stats` (SQLite only): `true` for the defaults. Default `false`. */
  statsTable?: boolean | StatsTableOptions;
  /** Alert thresholds of `pool.alerts$`. Defaults are roas-pool's targets: p95 wait 50 ms, error rate 1%. */
  alerts?: AlertOptions;
  /** Receives every XState inspection event of the pool's machines, for diagnosing a stuck pool; see `debugLog()`. Default none. */
  inspect?: (event: InspectionEvent) => void;
}

/** Alert thresholds with defaults filled in. */
export interface ResolvedAlerts {
  acquireWaitP95Ms: number | false;
  errorRate: number | false;
  saturationMs: number | false;
  leaks: number | false;
  connectionFailures: number | false;
  clearAfterMs: number;
}

export interface ResolvedMonitorOptions {
  statsIntervalMs: number;
  statsWindowMs: number;
  statsTable: { intervalMs: number; retentionMs: number | false } | false;
  alerts: ResolvedAlerts;
  inspect: ((event: InspectionEvent) => void) | undefined;
}

export const MONITOR_KEYS: readonly (keyof MonitorOptions)[] = [
  'statsIntervalMs',
  'statsWindowMs',
  'statsTable',
  'alerts',
  'inspect',
];

const ALERT_KEYS = [
  'acquireWaitP95Ms',
  'errorRate',
  'saturationMs',
  'leaks',
  'connectionFailures',
  'clearAfterMs',
];

function num(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  allowFalse: boolean,
  // Durations a timer waits are bounded by the longest delay a Node.js timer can take.
  max = /Ms$/.test(name) ? MAX_DURATION_MS : Number.MAX_SAFE_INTEGER,
): number | false {
  if (value === undefined) return fallback;
  if (value === false && allowFalse) return false;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const most = max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`;
    throw new PoolError(
      'INVALID_OPTION',
      `option "${name}" must be a number >= ${min}${most}${allowFalse ? ' or false' : ''}, got ${showValue(value)}`,
    );
  }
  return value;
}

function unknownKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new PoolError(
        'INVALID_OPTION',
        `unknown key "${key}" in option "${name}"; did you mean "${nearest(key, known)}"? Known: ${known.join(', ')}`,
      );
    }
  }
}

/** Checks the monitoring options and fills in defaults; throws INVALID_OPTION on the first fault. */
export function resolveMonitorOptions(options: MonitorOptions): ResolvedMonitorOptions {
  const statsIntervalMs = num('statsIntervalMs', options.statsIntervalMs, 1000, 1, false) as number;
  const statsWindowMs = num('statsWindowMs', options.statsWindowMs, 60_000, 6, false) as number;
  const a = options.alerts ?? {};
  if (typeof a !== 'object' || a === null)
    throw new PoolError('INVALID_OPTION', `option "alerts" must be an object, got ${showValue(a)}`);
  unknownKeys('alerts', a, ALERT_KEYS);
  const alerts: ResolvedAlerts = {
    acquireWaitP95Ms: num('alerts.acquireWaitP95Ms', a.acquireWaitP95Ms, 50, 0, true),
    errorRate: num('alerts.errorRate', a.errorRate, 0.01, 0, true),
    saturationMs: num('alerts.saturationMs', a.saturationMs, 10_000, 0, true),
    leaks: num('alerts.leaks', a.leaks, 0, 0, true),
    connectionFailures: num('alerts.connectionFailures', a.connectionFailures, 2, 0, true),
    clearAfterMs: num('alerts.clearAfterMs', a.clearAfterMs, statsWindowMs, 0, false) as number,
  };
  let statsTable: ResolvedMonitorOptions['statsTable'] = false;
  const t = options.statsTable ?? false;
  if (t !== false) {
    const o = t === true ? {} : t;
    if (typeof o !== 'object' || o === null) {
      throw new PoolError(
        'INVALID_OPTION',
        `option "statsTable" must be true, false or { intervalMs, retentionMs }, got ${showValue(o)}`,
      );
    }
    unknownKeys('statsTable', o, ['intervalMs', 'retentionMs']);
    statsTable = {
      intervalMs: num('statsTable.intervalMs', o.intervalMs, 60_000, 1, false) as number,
      // Compared with row times in SQL, never waited on by a timer: longer than 24.8 days is fine.
      retentionMs: num(
        'statsTable.retentionMs',
        o.retentionMs,
        7 * 24 * 3600_000,
        0,
        true,
        Number.MAX_SAFE_INTEGER,
      ),
    };
  }
  if (options.inspect !== undefined && typeof options.inspect !== 'function') {
    throw new PoolError(
      'INVALID_OPTION',
      `option "inspect" must be a function, such as debugLog(), got ${showValue(options.inspect)}`,
    );
  }
  return { statsIntervalMs, statsWindowMs, statsTable, alerts, inspect: options.inspect };
}
