import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contenderByName } from './contenders/index.js';
import { measureRun, unchecked } from './measure-run.js';
import { runInChild } from './run-in-child.js';
import { runSharded } from './run-sharded.js';
import { scenarioByName } from './scenarios/index.js';
import type { ConcurrentTestOptions, Contender, Scenario, TestResult } from './types.js';
import { PoolError } from '../core/errors/errors.js';

export type { ConcurrentTestOptions } from './types.js';

/** How long a shard of the `processes` scenario may overrun its duration before it is killed. */
const SHARD_GRACE_MS = 2000;

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
export function runConcurrentTest(options: ConcurrentTestOptions): Promise<TestResult>;
/**
 * The positional form, `runConcurrentTest(workers, duration)`: the `bot-mix` scenario on
 * roas-pool unless `rest` says otherwise. `durationMs` is in milliseconds.
 *
 * @example
 * ```ts
 * const result = await runConcurrentTest(20, 3000);
 * console.log(result.errorRate, result.acquireWait.p95Ms);
 * ```
 */
export function runConcurrentTest(
  workers: number,
  durationMs: number,
  rest?: Partial<Omit<ConcurrentTestOptions, 'workers' | 'durationMs'>>,
): Promise<TestResult>;
export async function runConcurrentTest(
  first: ConcurrentTestOptions | number,
  durationMs?: number,
  rest?: Partial<Omit<ConcurrentTestOptions, 'workers' | 'durationMs'>>,
): Promise<TestResult> {
  const options: ConcurrentTestOptions =
    typeof first === 'object' && first !== null
      ? first
      : {
          scenario: 'bot-mix',
          contender: 'roas-pool',
          ...rest,
          workers: first,
          durationMs: durationMs as number,
        };
  if (!Number.isFinite(options.durationMs) || options.durationMs <= 0)
    throw new PoolError(
      'INVALID_ARGUMENT',
      `durationMs must be a positive number of milliseconds, got ${String(options.durationMs)} (${typeof options.durationMs})`,
    );
  const scenario = typeof options.scenario === 'string' ? scenarioByName(options.scenario) : options.scenario;
  const contender =
    typeof options.contender === 'string' ? contenderByName(options.contender) : options.contender;
  if (!Number.isInteger(options.workers) || options.workers < 1)
    throw new PoolError('INVALID_ARGUMENT', `workers must be a positive integer, got ${options.workers}`);
  options.signal?.throwIfAborted();
  const dir = options.filename ? undefined : await mkdtemp(join(tmpdir(), 'roas-suite-'));
  const filename = options.filename ?? join(dir as string, 'bot.db');
  try {
    if (options.prepare !== false) scenario.prepare(filename);
    const shards = Math.min(scenario.processes ?? 1, options.workers);
    const { result, acks } =
      shards > 1
        ? await runSharded(scenario, contender, filename, shards, options, SHARD_GRACE_MS)
        : options.isolate
          ? await runIsolated(scenario, contender, filename, options, options.isolate.graceMs)
          : await measureRun(scenario, contender, filename, { ...options, seed: options.seed ?? 1 });
    result.integrity = options.verify === false ? unchecked(acks.size) : scenario.verify(filename, acks);
    return result;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function runIsolated(
  scenario: Scenario,
  contender: Contender,
  filename: string,
  options: ConcurrentTestOptions,
  graceMs: number,
): Promise<{ result: TestResult; acks: ReadonlySet<string> }> {
  const outcome = await runInChild(
    {
      filename,
      workers: options.workers,
      durationMs: options.durationMs,
      scenario: scenario.name,
      contender: contender.name,
      seed: options.seed ?? 1,
      prefix: '',
      collectSamples: false,
    },
    graceMs,
    options.onProgress,
    options.signal,
  );
  return { result: outcome.result, acks: new Set(outcome.acks) };
}
