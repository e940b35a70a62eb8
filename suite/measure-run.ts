import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { startEventLoopProbe } from './event-loop-probe.js';
import { latencyHistogram, recordNs, summarize } from './latency.js';
import { monitorErrorRates } from './monitor-error-rates.js';
import { seededRandom } from './random.js';
import type {
  Contender,
  IntegrityReport,
  MemoryPoint,
  Scenario,
  StepContext,
  TestResult,
  TimelinePoint,
} from './types.js';

/** What a run reports while it runs: its result so far, and what is new since the last one. */
export interface RunSnapshot {
  result: TestResult;
  /** Write ids acknowledged since the last snapshot. */
  acks: string[];
  /** Raw acquire waits and operation latencies (ns) since the last snapshot, when collected. */
  wait: { read: number[]; write: number[] };
  op: number[];
}

/** Options of {@link measureRun}. */
export interface MeasureOptions {
  workers: number;
  durationMs: number;
  seed: number;
  sampleEveryMs?: number;
  /** Prefixes op ids, so shards sharing one file never collide. */
  prefix?: string;
  /** Keep raw latency samples for snapshots (a parent merges them into one histogram). */
  collectSamples?: boolean;
  /** About every 250 ms, and once at the end (before the integrity check). */
  onSnapshot?: (snapshot: RunSnapshot) => void;
  onProgress?: (fraction: number) => void;
}

const memory = (): MemoryPoint => {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
};

/** An integrity report for a run that has not been (or will be elsewhere) checked. */
export const unchecked = (acknowledged: number): IntegrityReport => ({
  ok: true,
  acknowledged,
  missing: 0,
  problems: ['not checked'],
});

/**
 * Runs `workers` workers of `scenario` against `contender` on `filename` (already prepared) for
 * `durationMs` and measures them; `verify` is the caller's. The engine of `runConcurrentTest`.
 */
export async function measureRun(
  scenario: Scenario,
  contender: Contender,
  filename: string,
  options: MeasureOptions,
): Promise<{ result: TestResult; acks: ReadonlySet<string> }> {
  const { workers, durationMs, collectSamples = false } = options;
  const waits = { all: latencyHistogram(), read: latencyHistogram(), write: latencyHistogram() };
  const latencies = latencyHistogram();
  const errors = monitorErrorRates();
  const acks = new Set<string>();
  const noWaits = (): RunSnapshot['wait'] => ({ read: [], write: [] });
  const fresh = { acks: [] as string[], wait: noWaits(), op: [] as number[] };
  const startedAt = new Date().toISOString();
  const memStart = memory();
  const session = await contender.open({
    filename,
    workers,
    recordWait: (ns, mode) => {
      recordNs(waits.all, ns);
      recordNs(waits[mode], ns);
      if (collectSamples) fresh.wait[mode].push(ns);
    },
  });
  const probe = startEventLoopProbe();
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

  const build = (
    elapsedMs: number,
    retainedLeases: number,
    memEnd: MemoryPoint,
    final: boolean,
  ): TestResult => {
    const tally = errors.snapshot();
    return {
      scenario: scenario.name,
      contender: contender.name,
      workers,
      processes: 1,
      durationMs,
      elapsedMs,
      ops: tally.ops,
      okOps: tally.ops - tally.errors,
      opsPerSec: ((tally.ops - tally.errors) * 1000) / Math.max(elapsedMs, 1e-3),
      errors: tally.errors,
      errorRate: tally.rate,
      errorsByCode: tally.byCode,
      acquireWait: summarize(waits.all),
      acquireWaitRead: summarize(waits.read),
      acquireWaitWrite: summarize(waits.write),
      opLatency: summarize(latencies),
      eventLoop: final ? probe.stop() : probe.peek(),
      memory: { start: memStart, end: memEnd, heapGrowthBytes: memEnd.heapUsed - memStart.heapUsed },
      timeline: [...timeline],
      retainedLeases,
      integrity: unchecked(acks.size),
      startedAt,
    };
  };
  const snapshot = (result: TestResult): void => {
    if (!options.onSnapshot) return;
    options.onSnapshot({ result, acks: fresh.acks, wait: fresh.wait, op: fresh.op });
    fresh.acks = [];
    fresh.wait = noWaits();
    fresh.op = [];
  };

  sample();
  snapshot(build(0, 0, memStart, false));
  const sampler = setInterval(sample, options.sampleEveryMs ?? Math.max(10, durationMs / 100));
  const ticker = setInterval(() => {
    const elapsed = performance.now() - t0;
    options.onProgress?.(Math.min(1, elapsed / durationMs));
    if (options.onSnapshot) snapshot(build(elapsed, session.sample().leased, memory(), false));
  }, 250);

  const worker = async (index: number): Promise<void> => {
    let seq = 0;
    const ctx: StepContext = {
      db: session.db(index),
      worker: index,
      nextOpId: () => `${options.prefix ?? ''}w${index}-${seq++}`,
      ack: (opId) => {
        acks.add(opId);
        if (options.onSnapshot) fresh.acks.push(opId);
      },
      random: seededRandom(options.seed * 7919 + index),
    };
    // Each worker runs one step at least, however late it starts (a loaded machine can spend the
    // whole window before the first check): a run always has a figure, and its errors are seen.
    do {
      const start = performance.now();
      try {
        await scenario.step(ctx);
        errors.success();
      } catch (err) {
        errors.failure(err);
      }
      const ns = (performance.now() - start) * 1e6;
      recordNs(latencies, ns);
      if (collectSamples) fresh.op.push(ns);
      // A bot's handlers are driven by I/O; yielding here keeps timers (and the probes) honest.
      await yieldToLoop();
    } while (performance.now() < deadline);
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  } finally {
    clearInterval(sampler);
    clearInterval(ticker);
  }
  const elapsedMs = performance.now() - t0;
  sample();
  const retainedLeases = session.sample().leased;
  try {
    await session.close();
  } catch (err) {
    probe.stop();
    throw err;
  }
  options.onProgress?.(1);
  const result = build(elapsedMs, retainedLeases, memory(), true);
  snapshot(result);
  return { result, acks };
}
