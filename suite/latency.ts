import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { LatencySummary } from './types.js';

const NS_PER_MS = 1e6;

/** A latency histogram in nanoseconds; `perf_hooks` does the percentile arithmetic. */
export function latencyHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: 600 * 1e9, figures: 3 });
}

/** Records `ns` (clamped to the histogram's range: 1 ns to 10 minutes). */
export function recordNs(histogram: RecordableHistogram, ns: number): void {
  histogram.record(Math.min(600 * 1e9, Math.max(1, Math.round(ns))));
}

/**
 * p50 / p95 / p99 / max of a histogram, in milliseconds.
 *
 * @example
 * ```ts
 * const h = latencyHistogram();
 * recordNs(h, 1_500_000);
 * summarize(h).p99Ms; // 1.5 (to 3 significant figures)
 * ```
 */
export function summarize(histogram: {
  count: number;
  percentile(p: number): number;
  max: number;
  mean: number;
}): LatencySummary {
  if (histogram.count === 0) return { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };
  return {
    count: histogram.count,
    p50Ms: histogram.percentile(50) / NS_PER_MS,
    p95Ms: histogram.percentile(95) / NS_PER_MS,
    p99Ms: histogram.percentile(99) / NS_PER_MS,
    maxMs: histogram.max / NS_PER_MS,
    meanMs: histogram.mean / NS_PER_MS,
  };
}
