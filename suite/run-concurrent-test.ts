import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { contenderByName } from './contenders/index.js';
import { startEventLoopProbe } from './event-loop-probe.js';
import { latencyHistogram, recordNs, summarize } from './latency.js';
import { monitorErrorRates } from './monitor-error-rates.js';
import { seededRandom } from './random.js';
import { runSharded } from './run-sharded.js';
import { scenarioByName } from './scenarios/index.js';
import type { Contender, MemoryPoint, Scenario, StepContext, TestResult, TimelinePoint } from './types.js';

/** Options of {@link runConcurrentTest}. */
export interface ConcurrentTestOptions {
  /** Concurrent workers (simulated bot handlers), each running one operation at a time. */
  workers: number;
  /** How long workers keep starting operations, ms. Operations in flight at the end finish. */
  durationMs: number;
  /** A scenario or its name (`bot-mix`, `read-heavy`, `write-heavy`, `long-transactions`, `processes`, `soak`). */
  scenario: Scenario | string;
  /** A contender or its name (`naive`, `naive-bt0`, `tarn`, `generic-pool`, `roas-pool`). */
  contender: Contender | string;
  /** The SQLite file; default a fresh file in a temp dir, removed afterwards. */
  filename?: string;
  /** Create the scenario's schema first. Default true. */
  prepare?: boolean;
  /** Run the integrity check at the end. Default true. */
  verify?: boolean;
  /** Pool-size timeline sampling period, ms. Default `durationMs / 100`, at least 10. */
  sampleEveryMs?: number;
  /** Seed of the workers' operation choices. Default 1. */
  seed?: number;
  /** Called about every 250 ms with the fraction of `durationMs` elapsed. */
  onProgress?: (fraction: number) => void;
  /** @internal Shards: a prefix for op ids, and raw samples for the parent to merge. */
  shard?: { prefix: string; samples: { wait: number[]; op: number[] }; acks: Set<string> };
}

const memory = (): MemoryPoint => {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
};

/**
 * Runs one scenario with `workers` concurrent workers against one contender for `durationMs`,
 * on a real SQLite file, and measures it: operations and errors by code, acquire wait and
 * operation latency percentiles (`perf_hooks` histograms), event-loop delay, memory, the pool's
 * size over time, and an end-of-run integrity check that every acknowledged write is in the file.
 *
 * @example
 * ```ts
 * const result = await runConcurrentTest({ workers: 20, durationMs: 3000, scenario: 'bot-mix', contender: 'roas-pool' });
 * console.log(result.errorRate, result.acquireWait.p95Ms, result.integrity.ok);
 * ```
 */
export async function runConcurrentTest(options: ConcurrentTestOptions): Promise<TestResult> {
  const scenario = typeof options.scenario === 'string' ? scenarioByName(options.scenario) : options.scenario;
  const contender =
    typeof options.contender === 'string' ? contenderByName(options.contender) : options.contender;
  if (!Number.isInteger(options.workers) || options.workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  if ((scenario.processes ?? 1) > 1 && !options.shard) return runSharded(scenario, contender, options);
  const dir = options.filename ? undefined : await mkdtemp(join(tmpdir(), 'roas-suite-'));
  const filename = options.filename ?? join(dir as string, 'bot.db');
  try {
    if (options.prepare !== false) scenario.prepare(filename);
    return await measure(scenario, contender, filename, options);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function measure(
  scenario: Scenario,
  contender: Contender,
  filename: string,
  options: ConcurrentTestOptions,
): Promise<TestResult> {
  const { workers, durationMs, shard } = options;
  const waits = latencyHistogram();
  const latencies = latencyHistogram();
  const errors = monitorErrorRates();
  const acks = shard?.acks ?? new Set<string>();
  const startedAt = new Date().toISOString();
  const memStart = memory();
  const session = await contender.open({
    filename,
    workers,
    recordWait: (ns) => {
      recordNs(waits, ns);
      shard?.samples.wait.push(ns);
    },
  });
  const stopProbe = startEventLoopProbe();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const timeline: TimelinePoint[] = [];
  const sample = (): void => {
    timeline.push({
      tMs: performance.now() - t0,
      ...session.sample(),
      heapUsed: process.memoryUsage().heapUsed,
    });
  };
  sample();
  const sampler = setInterval(sample, options.sampleEveryMs ?? Math.max(10, durationMs / 100));
  const progress = options.onProgress;
  const ticker = progress
    ? setInterval(() => progress(Math.min(1, (performance.now() - t0) / durationMs)), 250)
    : undefined;

  const worker = async (index: number): Promise<void> => {
    let seq = 0;
    const ctx: StepContext = {
      db: session.db(index),
      worker: index,
      nextOpId: () => `${shard?.prefix ?? ''}w${index}-${seq++}`,
      ack: (opId) => acks.add(opId),
      random: seededRandom((options.seed ?? 1) * 7919 + index),
    };
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        await scenario.step(ctx);
        errors.success();
      } catch (err) {
        errors.failure(err);
      }
      const ns = (performance.now() - start) * 1e6;
      recordNs(latencies, ns);
      shard?.samples.op.push(ns);
      // A bot's handlers are driven by I/O; yielding here keeps timers (and the probes) honest.
      await yieldToLoop();
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  } finally {
    clearInterval(sampler);
    if (ticker) clearInterval(ticker);
  }
  const elapsedMs = performance.now() - t0;
  sample();
  const eventLoop = stopProbe();
  const retainedLeases = session.sample().leased;
  await session.close();
  progress?.(1);
  const memEnd = memory();
  const tally = errors.snapshot();
  const integrity =
    options.verify === false
      ? { ok: true, acknowledged: acks.size, missing: 0, problems: ['not checked'] }
      : scenario.verify(filename, acks);
  return {
    scenario: scenario.name,
    contender: contender.name,
    workers,
    processes: 1,
    durationMs,
    elapsedMs,
    ops: tally.ops,
    okOps: tally.ops - tally.errors,
    opsPerSec: ((tally.ops - tally.errors) * 1000) / elapsedMs,
    errors: tally.errors,
    errorRate: tally.rate,
    errorsByCode: tally.byCode,
    acquireWait: summarize(waits),
    opLatency: summarize(latencies),
    eventLoop,
    memory: { start: memStart, end: memEnd, heapGrowthBytes: memEnd.heapUsed - memStart.heapUsed },
    timeline,
    retainedLeases,
    integrity,
    startedAt,
  };
}
