import type { LatencySummary, TestResult } from './types.js';

const NO_LATENCY: LatencySummary = { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };

/**
 * The result of a run that threw instead of finishing: every figure 0, `failed` set with the
 * error's message, so that a report records it and the runs after it still happen.
 */
export function failedResult(
  run: { scenario: string; contender: string; workers: number; durationMs: number },
  err: unknown,
): TestResult {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
  const zero = { heapUsed: 0, rss: 0 };
  return {
    ...run,
    processes: 1,
    elapsedMs: 0,
    ops: 0,
    okOps: 0,
    opsPerSec: 0,
    errors: 0,
    errorRate: 0,
    errorsByCode: {},
    acquireWait: NO_LATENCY,
    acquireWaitRead: NO_LATENCY,
    acquireWaitWrite: NO_LATENCY,
    opLatency: NO_LATENCY,
    eventLoop: { p99Ms: 0, maxMs: 0, heartbeatMaxMs: 0 },
    memory: { start: zero, end: zero, heapGrowthBytes: 0 },
    timeline: [],
    retainedLeases: 0,
    integrity: { ok: true, acknowledged: 0, missing: 0, problems: ['not checked: the run failed'] },
    startedAt: new Date().toISOString(),
    failed: { message },
  };
}
