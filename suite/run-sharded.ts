import { latencyHistogram, recordNs, summarize } from './latency.js';
import { runInChild, type ChildOutcome } from './run-in-child.js';
import type { ConcurrentTestOptions, Contender, Scenario, TestResult, TimelinePoint } from './types.js';

/** Point-wise sum of the shards' timelines, over the shortest one. */
function mergeTimelines(timelines: TimelinePoint[][]): TimelinePoint[] {
  const length = Math.min(...timelines.map((t) => t.length));
  return Array.from({ length }, (_, i) =>
    timelines.reduce<TimelinePoint>(
      (sum, t) => {
        const p = t[i] as TimelinePoint;
        return {
          tMs: Math.max(sum.tMs, p.tMs),
          size: sum.size + p.size,
          leased: sum.leased + p.leased,
          waiting: sum.waiting + p.waiting,
          heapUsed: sum.heapUsed + p.heapUsed,
        };
      },
      { tMs: 0, size: 0, leased: 0, waiting: 0, heapUsed: 0 },
    ),
  );
}

/**
 * The `processes` scenario: `shards` child processes share one SQLite file (already prepared),
 * each running `bot-mix` with its share of the workers, each bounded in time. Latencies are
 * merged from raw samples into one histogram; the caller checks integrity once, over every
 * shard's acknowledged writes. The contender must be a registered name.
 */
export async function runSharded(
  scenario: Scenario,
  contender: Contender,
  filename: string,
  shards: number,
  options: ConcurrentTestOptions,
  graceMs: number,
): Promise<{ result: TestResult; acks: ReadonlySet<string> }> {
  const fractions = new Array<number>(shards).fill(0);
  const outcomes = await Promise.all(
    Array.from({ length: shards }, (_, i) =>
      runInChild(
        {
          filename,
          workers: Math.floor(options.workers / shards) + (i < options.workers % shards ? 1 : 0),
          durationMs: options.durationMs,
          scenario: 'bot-mix',
          contender: contender.name,
          seed: (options.seed ?? 1) * 1000 + i,
          prefix: `p${i}-`,
          collectSamples: true,
        },
        graceMs,
        (f) => {
          fractions[i] = f;
          options.onProgress?.(Math.min(...fractions));
        },
        options.signal,
      ),
    ),
  );
  return merge(scenario, contender, options, outcomes, shards);
}

function merge(
  scenario: Scenario,
  contender: Contender,
  options: ConcurrentTestOptions,
  outcomes: ChildOutcome[],
  shards: number,
): { result: TestResult; acks: ReadonlySet<string> } {
  const waits = { all: latencyHistogram(), read: latencyHistogram(), write: latencyHistogram() };
  const ops = latencyHistogram();
  const acks = new Set<string>();
  const byCode: Record<string, number> = {};
  for (const o of outcomes) {
    for (const mode of ['read', 'write'] as const) {
      for (const ns of o.wait[mode]) {
        recordNs(waits.all, ns);
        recordNs(waits[mode], ns);
      }
    }
    for (const ns of o.op) recordNs(ops, ns);
    for (const id of o.acks) acks.add(id);
    for (const [code, n] of Object.entries(o.result.errorsByCode)) byCode[code] = (byCode[code] ?? 0) + n;
  }
  const results = outcomes.map((o) => o.result);
  const sum = (f: (r: TestResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const max = (f: (r: TestResult) => number): number => Math.max(...results.map(f));
  const elapsedMs = max((r) => r.elapsedMs);
  const total = sum((r) => r.ops);
  const errors = sum((r) => r.errors);
  const stopped = results.filter((r) => r.stopped);
  const result: TestResult = {
    scenario: scenario.name,
    contender: contender.name,
    workers: options.workers,
    processes: shards,
    durationMs: options.durationMs,
    elapsedMs,
    ops: total,
    okOps: total - errors,
    opsPerSec: ((total - errors) * 1000) / elapsedMs,
    errors,
    errorRate: total === 0 ? 0 : errors / total,
    errorsByCode: byCode,
    acquireWait: summarize(waits.all),
    acquireWaitRead: summarize(waits.read),
    acquireWaitWrite: summarize(waits.write),
    // A killed shard's last operation ran through its silence: keep that in the max.
    opLatency: {
      ...summarize(ops),
      maxMs: Math.max(
        summarize(ops).maxMs,
        max((r) => r.opLatency.maxMs),
      ),
    },
    // Each shard has its own event loop: report the worst shard.
    eventLoop: {
      p99Ms: max((r) => r.eventLoop.p99Ms),
      maxMs: max((r) => r.eventLoop.maxMs),
      heartbeatMaxMs: max((r) => r.eventLoop.heartbeatMaxMs),
    },
    memory: {
      start: { heapUsed: sum((r) => r.memory.start.heapUsed), rss: sum((r) => r.memory.start.rss) },
      end: { heapUsed: sum((r) => r.memory.end.heapUsed), rss: sum((r) => r.memory.end.rss) },
      heapGrowthBytes: sum((r) => r.memory.heapGrowthBytes),
    },
    timeline: mergeTimelines(results.map((r) => r.timeline)),
    retainedLeases: sum((r) => r.retainedLeases),
    integrity: { ok: true, acknowledged: acks.size, missing: 0, problems: [] },
    startedAt: results[0]?.startedAt ?? new Date().toISOString(),
    ...(stopped.length > 0
      ? {
          stopped: {
            afterMs: Math.max(...stopped.map((r) => r.stopped?.afterMs ?? 0)),
            silentMs: Math.max(...stopped.map((r) => r.stopped?.silentMs ?? 0)),
          },
        }
      : {}),
  };
  return { result, acks };
}
