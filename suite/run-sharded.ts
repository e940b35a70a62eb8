import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { latencyHistogram, recordNs, summarize } from './latency.js';
import type { ConcurrentTestOptions } from './run-concurrent-test.js';
import type { ShardOrder, ShardReply } from './shard-protocol.js';
import type { Contender, Scenario, TestResult, TimelinePoint } from './types.js';

/** Runs from TypeScript source (tsx) or from the built `dist`; the child must run the same way. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(new URL(`./shard-child.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));

function execArgv(): string[] {
  if (!FROM_SOURCE || process.execArgv.some((a) => a.includes('tsx'))) return process.execArgv;
  return [...process.execArgv, '--import', import.meta.resolve('tsx')];
}

function runShard(order: ShardOrder): Promise<ShardReply & { ok: true }> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: execArgv(), serialization: 'advanced', stdio: 'inherit' });
    let reply: ShardReply | undefined;
    child.on('message', (msg: ShardReply) => (reply = msg));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (reply?.ok) resolve(reply);
      else reject(new Error(`shard ${order.prefix} failed (exit ${code}): ${reply?.error ?? 'no reply'}`));
    });
    child.send(order);
  });
}

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
 * The `processes` scenario: `scenario.processes` child processes share one SQLite file, each
 * running the scenario with its share of the workers. Latencies are merged from raw samples into
 * one histogram; the integrity check runs once, over every shard's acknowledged writes.
 * Called by `runConcurrentTest`; the contender must be a registered name.
 */
export async function runSharded(
  scenario: Scenario,
  contender: Contender,
  options: ConcurrentTestOptions,
): Promise<TestResult> {
  const shards = Math.min(scenario.processes ?? 1, options.workers);
  const dir = options.filename ? undefined : await mkdtemp(join(tmpdir(), 'roas-suite-'));
  const filename = options.filename ?? join(dir as string, 'bot.db');
  try {
    if (options.prepare !== false) scenario.prepare(filename);
    const t0 = performance.now();
    const ticker = options.onProgress
      ? setInterval(
          () => options.onProgress?.(Math.min(1, (performance.now() - t0) / options.durationMs)),
          250,
        )
      : undefined;
    const replies = await Promise.all(
      Array.from({ length: shards }, (_, i) =>
        runShard({
          filename,
          workers: Math.floor(options.workers / shards) + (i < options.workers % shards ? 1 : 0),
          durationMs: options.durationMs,
          scenario: 'bot-mix',
          contender: contender.name,
          seed: (options.seed ?? 1) * 1000 + i,
          prefix: `p${i}-`,
        }),
      ),
    ).finally(() => ticker && clearInterval(ticker));
    options.onProgress?.(1);
    return merge(scenario, contender, options, filename, replies, shards);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function merge(
  scenario: Scenario,
  contender: Contender,
  options: ConcurrentTestOptions,
  filename: string,
  replies: (ShardReply & { ok: true })[],
  shards: number,
): TestResult {
  const waits = latencyHistogram();
  const ops = latencyHistogram();
  const acks = new Set<string>();
  const byCode: Record<string, number> = {};
  for (const r of replies) {
    for (const ns of r.wait) recordNs(waits, ns);
    for (const ns of r.op) recordNs(ops, ns);
    for (const id of r.acks) acks.add(id);
    for (const [code, n] of Object.entries(r.result.errorsByCode)) byCode[code] = (byCode[code] ?? 0) + n;
  }
  const results = replies.map((r) => r.result);
  const sum = (f: (r: TestResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const max = (f: (r: TestResult) => number): number => Math.max(...results.map(f));
  const elapsedMs = max((r) => r.elapsedMs);
  const total = sum((r) => r.ops);
  const errors = sum((r) => r.errors);
  return {
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
    acquireWait: summarize(waits),
    opLatency: summarize(ops),
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
    integrity:
      options.verify === false
        ? { ok: true, acknowledged: acks.size, missing: 0, problems: ['not checked'] }
        : scenario.verify(filename, acks),
    startedAt: results[0]?.startedAt ?? new Date().toISOString(),
  };
}
