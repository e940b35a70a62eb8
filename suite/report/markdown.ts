import type { TestResult } from '../types.js';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
const pct = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)}%`;
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)}`;

/** The columns of {@link resultCells}. */
export const RESULT_COLUMNS = [
  'scenario',
  'workers',
  'contender',
  'ops/s',
  'errors',
  'error rate',
  'wait p50/p95/p99 ms',
  'wait p95 read / write ms',
  'op p50/p95/p99/max ms',
  'loop p99/max ms',
  'heap Δ MB',
  'integrity',
];

/** One row of the comparison, as cells. */
export function resultCells(r: TestResult): string[] {
  const codes = Object.entries(r.errorsByCode)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return [
    r.scenario,
    r.processes > 1 ? `${r.workers} (${r.processes} procs)` : String(r.workers),
    r.contender,
    r.opsPerSec.toFixed(0),
    (r.errors === 0 ? '0' : `${r.errors} (${codes})`) +
      (r.stopped
        ? `; stopped at ${(r.stopped.afterMs / 1000).toFixed(1)} s, loop frozen ${(r.stopped.silentMs / 1000).toFixed(1)} s`
        : ''),
    pct(r.errorRate),
    `${ms(r.acquireWait.p50Ms)} / ${ms(r.acquireWait.p95Ms)} / ${ms(r.acquireWait.p99Ms)}`,
    `${ms(r.acquireWaitRead.p95Ms)} / ${ms(r.acquireWaitWrite.p95Ms)}`,
    `${ms(r.opLatency.p50Ms)} / ${ms(r.opLatency.p95Ms)} / ${ms(r.opLatency.p99Ms)} / ${ms(r.opLatency.maxMs)}`,
    `${ms(r.eventLoop.p99Ms)} / ${ms(r.eventLoop.maxMs)}`,
    mb(r.memory.heapGrowthBytes),
    r.integrity.ok ? `ok (${r.integrity.acknowledged} writes)` : `FAILED: ${r.integrity.missing} missing`,
  ];
}

/**
 * The comparison as a Markdown table, one row per run.
 *
 * @example
 * ```ts
 * console.log(markdownTable(results));
 * ```
 */
export function markdownTable(results: readonly TestResult[]): string {
  const rows = [RESULT_COLUMNS, RESULT_COLUMNS.map(() => '---'), ...results.map(resultCells)];
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The whole Markdown report: the table, then each run's error codes and integrity findings. */
export function markdownReport(results: readonly TestResult[], title: string, command: string): string {
  const notes = results
    .filter((r) => r.integrity.problems.length > 0 && !r.integrity.ok)
    .map((r) => `- ${r.scenario} / ${r.contender} @ ${r.workers}: ${r.integrity.problems.join('; ')}`);
  return [
    `# ${title}`,
    '',
    `Command: \`${command}\``,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}. Latencies from \`perf_hooks\` histograms; ` +
      'wait = time to get a connection; op = one bot operation end to end; loop = event-loop delay.',
    '',
    markdownTable(results),
    '',
    ...(notes.length > 0 ? ['## Integrity failures', '', ...notes, ''] : []),
  ].join('\n');
}
