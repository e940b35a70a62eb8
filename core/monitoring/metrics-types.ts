import type { Histogram } from 'node:perf_hooks';

/** Percentiles of a histogram of durations, in milliseconds. All zero when `count` is 0. */
export interface HistogramSummary {
  /** Durations recorded. */
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What happened in the sliding window that ends now (`statsWindowMs`, default 60 s). */
export interface WindowStats {
  /** How far back the window reaches, ms: between 5/6 and 6/6 of `statsWindowMs` once the pool is that old. */
  ms: number;
  /** Leases granted in the window. */
  acquired: number;
  /** Pool errors in the window: timeouts, rejections, double releases, connection failures, and PoolErrors raised by statements. */
  errors: number;
  /** `errors / (acquired + errors)`, 0 when both are 0: the share of requests that met a pool error. */
  errorRate: number;
  /** Leases reported leaked in the window. */
  leaks: number;
  /** Connections that failed (to open, or later) in the window. */
  connectionFailures: number;
  /** Acquire waits of the leases granted in the window. */
  acquireWait: HistogramSummary;
}

const NS_PER_MS = 1e6;

/** Reads a nanosecond histogram as milliseconds. */
export function summarize(h: Histogram): HistogramSummary {
  if (h.count === 0) return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
  return {
    count: h.count,
    minMs: h.min / NS_PER_MS,
    meanMs: h.mean / NS_PER_MS,
    p50Ms: h.percentile(50) / NS_PER_MS,
    p95Ms: h.percentile(95) / NS_PER_MS,
    p99Ms: h.percentile(99) / NS_PER_MS,
    maxMs: h.max / NS_PER_MS,
  };
}

/** Connections by state, exact at the moment of the call. */
export interface ConnectionsByState {
  /** Being opened by the driver. */
  opening: number;
  /** Open and free. */
  idle: number;
  /** Lent on a read lease. */
  leasedRead: number;
  /** Lent on a write lease (0 or 1 on SQLite). */
  leasedWrite: number;
  /** Failed while leased: replaced as soon as the holder releases it. */
  failed: number;
}

/** The monitoring part of `pool.stats()`; see docs/monitoring.md. */
export interface MonitoringStats {
  /** When the snapshot was taken, on the pool's clock (ms since the epoch on a monotonic clock, or virtual time in tests). */
  at: number;
  /** Time since the pool was created, ms. */
  uptimeMs: number;
  connections: ConnectionsByState;
  /** Errors since the pool was created, by code; codes never seen are absent. */
  errors: Record<string, number>;
  /** Leases reported leaked. */
  leaks: number;
  /** Pool resizes. */
  resizes: number;
  /** Writes to the `connection_pool_stats` table that failed. */
  snapshotFailures: number;
  /** Every acquire wait since the pool was created: from `acquire()` to the grant; 0 for an immediate grant. */
  acquireWait: HistogramSummary;
  /** Every lease hold since the pool was created: from the grant to `release()`. */
  leaseHold: HistogramSummary;
  /** The sliding window (`statsWindowMs`). */
  window: WindowStats;
}
