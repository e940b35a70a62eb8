import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../../core/pool.js';
import type { PoolStats } from '../../core/monitoring/stats.js';

/** Options of {@link collectPoolMetrics}. */
export interface PoolMetricsOptions {
  /** Prefix of every metric name. Default `roas_pool_`. */
  prefix?: string;
  /** Upper bounds of the wait and hold histogram buckets, seconds. Default 0.0001 s to 10 s. */
  buckets?: number[];
}

const DEFAULT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const STATES = ['opening', 'idle', 'leasedRead', 'leasedWrite', 'failed'] as const;
const STATE_LABEL: Record<(typeof STATES)[number], string> = {
  opening: 'opening',
  idle: 'idle',
  leasedRead: 'leased_read',
  leasedWrite: 'leased_write',
  failed: 'failed',
};

/** Counters of `stats()` published as `<prefix><name>_total`. */
const COUNTERS: readonly [keyof PoolStats, string, string][] = [
  ['acquired', 'acquired_total', 'Leases granted.'],
  ['released', 'released_total', 'Leases released.'],
  ['timeouts', 'timeouts_total', 'Acquires that hit their deadline (ACQUIRE_TIMEOUT).'],
  ['rejected', 'rejected_total', 'Acquires rejected because the wait queue was full (POOL_EXHAUSTED).'],
  ['created', 'connections_created_total', 'Connections opened.'],
  ['destroyed', 'connections_destroyed_total', 'Connections closed or failed after being open.'],
  ['failed', 'connection_failures_total', 'Connections that failed, while opening or after.'],
  ['leaks', 'leaks_total', 'Leases reported leaked.'],
  ['resizes', 'resizes_total', 'Pool resizes.'],
  ['snapshotFailures', 'snapshot_failures_total', 'Failed writes to the connection_pool_stats table.'],
];

/**
 * Publishes a pool's stats in a prom-client registry: gauges and counters are read from
 * `pool.stats()` at scrape time (one `stats()` call per scrape), and the wait and hold histograms
 * observe every grant and release from the moment this is called. prom-client is an optional
 * peer dependency: only this subpath (`roas-pool/prometheus`) imports it.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { collectPoolMetrics } from 'roas-pool/prometheus';
 * const registry = new Registry();
 * const stop = collectPoolMetrics(pool, registry);
 * http.createServer(async (_, res) => res.end(await registry.metrics())).listen(9464);
 * ```
 * @returns A function that stops the histograms' observation.
 */
export function collectPoolMetrics(
  pool: Pool,
  registry: Registry,
  options: PoolMetricsOptions = {},
): () => void {
  const p = options.prefix ?? 'roas_pool_';
  const registers = [registry];
  let cached: PoolStats | undefined;
  // Every metric's collect() runs in the same scrape: read stats() once and drop it after the turn.
  const stats = (): PoolStats => {
    if (!cached) {
      cached = pool.stats();
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };
  new Gauge({
    name: `${p}connections`,
    help: 'Connections by state.',
    labelNames: ['state'],
    registers,
    collect() {
      const c = stats().connections;
      for (const state of STATES) this.set({ state: STATE_LABEL[state] }, c[state]);
    },
  });
  new Gauge({
    name: `${p}waiting`,
    help: 'Requests waiting for a connection.',
    labelNames: ['mode'],
    registers,
    collect() {
      const s = stats();
      this.set({ mode: 'read' }, s.waitingRead);
      this.set({ mode: 'write' }, s.waitingWrite);
    },
  });
  const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  gauge(
    'reads_waiting_for_turn',
    "read() calls waiting, holding no connection, for the event loop's next turn.",
    (s) => s.waitingForTurn,
  );
  gauge('max_connections', 'The most connections the pool may open.', (s) => s.max);
  gauge('min_connections', 'Connections kept open even when idle.', (s) => s.min);
  gauge('uptime_seconds', 'Time since the pool was created.', (s) => s.uptimeMs / 1000);
  gauge(
    'window_error_ratio',
    'Share of requests that met a pool error in the sliding window.',
    (s) => s.window.errorRate,
  );
  gauge(
    'window_acquire_wait_p95_seconds',
    'p95 acquire wait in the sliding window.',
    // To the microsecond: an idle window's p95 is the histogram's 1 ns floor, which divides into
    // 9.999999999999999e-10 s; people read this gauge, and a wait below 1 µs is none.
    (s) => Math.round(s.window.acquireWait.p95Ms * 1000) / 1e6,
  );
  // A counter that mirrors a running total of stats(): set to it on every scrape.
  const counter = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Counter({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  for (const [key, name, help] of COUNTERS) counter(name, help, (s) => s[key] as number);
  // The cross-process write lane (docs/shards.md), on pools whose driver keeps one.
  if (pool.stats().lane !== undefined) {
    gauge('lane_processes', 'Processes sharing the write lane of this file.', (s) => s.lane?.processes ?? 0);
    counter('lane_waits_total', 'Times the pool queued behind another process.', (s) => s.lane?.waits ?? 0);
    counter(
      'lane_wait_seconds_total',
      'Time spent queued behind other processes.',
      (s) => (s.lane?.waitMs ?? 0) / 1000,
    );
    counter(
      'lane_fallbacks_total',
      "Writes let in on SQLite's lock alone, without the lane.",
      (s) => s.lane?.fallbacks ?? 0,
    );
  }
  new Counter({
    name: `${p}errors_total`,
    help: 'Errors by code: pool error codes, and the driver codes of statement errors.',
    labelNames: ['code'],
    registers,
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(stats().errors)) this.inc({ code }, n);
    },
  });
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  const wait = new Histogram({
    name: `${p}acquire_wait_seconds`,
    help: 'Time from acquire() to the grant; 0 for an immediate grant.',
    buckets,
    registers,
  });
  const hold = new Histogram({
    name: `${p}lease_hold_seconds`,
    help: 'Time from the grant to release().',
    buckets,
    registers,
  });
  return pool.metrics.listen((kind, seconds) => (kind === 'wait' ? wait : hold).observe(seconds));
}
