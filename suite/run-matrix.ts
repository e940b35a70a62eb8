import { failedResult } from './failed-result.js';
import { runConcurrentTest } from './run-concurrent-test.js';
import { scenarioByName } from './scenarios/index.js';
import type { TestResult } from './types.js';
import { PoolError } from '../core/errors/errors.js';
import { showValue } from '../core/errors/show-value.js';

/** A grid of runs: every scenario at every worker count against every contender. */
export interface MatrixOptions {
  scenarios: readonly string[];
  workers: readonly number[];
  contenders: readonly string[];
  /** Per run, ms; default each scenario's own. */
  durationMs?: number;
  seed?: number;
  /** Run each in its own process, bounded in time; see `ConcurrentTestOptions.isolate`. */
  isolate?: { graceMs: number };
  /** Before each run. */
  onRunStart?: (run: {
    scenario: string;
    workers: number;
    contender: string;
    index: number;
    total: number;
    durationMs: number | undefined;
  }) => void;
  /** During each run, with the fraction done. */
  onProgress?: (fraction: number) => void;
  /** After each run, failed ones included. May return a promise (the next run waits for it). */
  onRunEnd?: (result: TestResult) => void | Promise<void>;
  /**
   * Stops the grid: the run in progress is killed (isolated runs) or finishes (in-process runs)
   * and is left out; the results so far are returned.
   */
  signal?: AbortSignal;
}

/**
 * Runs the grid one run at a time (runs never overlap, so they do not disturb each other) and
 * returns every result in order. All contenders of one scenario and worker count see the same
 * seeded operation mix. A run that throws (a contender whose package is missing, a bug) becomes a
 * result with `failed` set, and the grid goes on.
 *
 * @example
 * ```ts
 * const results = await runMatrix({ scenarios: ['bot-mix'], workers: [10, 20], contenders: ['naive', 'roas-pool'] });
 * ```
 */
export async function runMatrix(options: MatrixOptions): Promise<TestResult[]> {
  for (const key of ['scenarios', 'workers', 'contenders'] as const)
    if (!Array.isArray(options?.[key]))
      throw new PoolError(
        'INVALID_ARGUMENT',
        `runMatrix() option "${key}" must be an array, got ${showValue(options?.[key])}`,
      );
  const results: TestResult[] = [];
  const total = options.scenarios.length * options.workers.length * options.contenders.length;
  let index = 0;
  for (const scenario of options.scenarios) {
    for (const workers of options.workers) {
      for (const contender of options.contenders) {
        if (options.signal?.aborted) return results;
        options.onRunStart?.({
          scenario,
          workers,
          contender,
          index: index++,
          total,
          durationMs: options.durationMs,
        });
        const durationMs = options.durationMs ?? scenarioByName(scenario).defaultDurationMs;
        let result: TestResult;
        try {
          result = await runConcurrentTest({
            scenario,
            workers,
            contender,
            durationMs,
            seed: options.seed ?? 1,
            ...(options.isolate ? { isolate: options.isolate } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
        } catch (err) {
          // An interrupted run measured nothing worth keeping: report only what finished.
          if (options.signal?.aborted) return results;
          result = failedResult({ scenario, contender, workers, durationMs }, err);
        }
        results.push(result);
        await options.onRunEnd?.(result);
      }
    }
  }
  return results;
}
