/**
 * The concurrency suite: runs, contenders, scenarios and reports.
 *
 * @example
 * ```ts
 * import { runConcurrentTest, generatePerformanceReport } from 'roas-pool/suite';
 * const result = await runConcurrentTest({ workers: 20, durationMs: 3000, scenario: 'bot-mix', contender: 'roas-pool' });
 * await generatePerformanceReport([result], { outDir: 'reports' });
 * ```
 * @packageDocumentation
 */
export { runConcurrentTest, type ConcurrentTestOptions } from './run-concurrent-test.js';
export { runMatrix, type MatrixOptions } from './run-matrix.js';
export {
  generatePerformanceReport,
  type PerformanceReport,
  type ReportOptions,
} from './report/generate-performance-report.js';
export { markdownTable } from './report/markdown.js';
export { verdicts, type Verdict } from './report/verdict.js';
export {
  monitorErrorRates,
  errorCode,
  type ErrorRateMonitor,
  type ErrorRateOptions,
  type ErrorRateSnapshot,
  type ErrorRateWindow,
} from './monitor-error-rates.js';
export {
  CONTENDERS,
  DEFAULT_CONTENDERS,
  contenderByName,
  naive,
  tarn,
  genericPoolContender,
  roasPool,
} from './contenders/index.js';
export { withInjectedErrors, InjectedError, type FaultyContender } from './contenders/inject-errors.js';
export { SCENARIOS, scenarioByName } from './scenarios/index.js';
export { weightedScenario, type WeightedScenarioSpec } from './scenarios/weighted-scenario.js';
export type * from './types.js';
