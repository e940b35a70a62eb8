import type { LatencySummary, TestResult } from '../types.js';
import { completedNothing, verdicts } from './verdict.js';

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

/** `a / b / c` of a latency's fields, or a dash when nothing was measured. */
const lat = (l: LatencySummary, keys: (keyof LatencySummary)[]): string =>
  l.count === 0 ? '–' : keys.map((k) => ms(l[k])).join(' / ');

/** One row of the comparison, as cells. A run that completed nothing shows dashes, not zeros. */
export function resultCells(r: TestResult): string[] {
  const codes = Object.entries(r.errorsByCode)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  const nothing = completedNothing(r);
  const errors = r.failed
    ? `FAILED: ${r.failed.message}`
    : (r.errors === 0 ? '0' : `${r.errors} (${codes})`) +
      (r.stopped
        ? `; ${r.okOps === 0 ? 'froze: no operation finished; ' : ''}stopped at ${(r.stopped.afterMs / 1000).toFixed(1)} s, loop frozen ${(r.stopped.silentMs / 1000).toFixed(1)} s`
        : '');
  const integrity = r.failed
    ? '–'
    : !r.integrity.ok
      ? `FAILED: ${r.integrity.missing} missing`
      : r.integrity.acknowledged === 0
        ? 'nothing written to check'
        : `ok (${r.integrity.acknowledged} writes)`;
  return [
    r.scenario,
    r.processes > 1 ? `${r.workers} (${r.processes} procs)` : String(r.workers),
    r.contender,
    nothing ? '0' : r.opsPerSec.toFixed(0),
    errors,
    r.failed ? '–' : pct(r.errorRate),
    nothing ? '–' : lat(r.acquireWait, ['p50Ms', 'p95Ms', 'p99Ms']),
    nothing
      ? '–'
      : `${r.acquireWaitRead.count === 0 ? '–' : ms(r.acquireWaitRead.p95Ms)} / ${r.acquireWaitWrite.count === 0 ? '–' : ms(r.acquireWaitWrite.p95Ms)}`,
    nothing
      ? r.stopped
        ? `– (max ${ms(r.opLatency.maxMs)})`
        : '–'
      : lat(r.opLatency, ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs']),
    r.failed ? '–' : `${nothing ? '–' : ms(r.eventLoop.p99Ms)} / ${ms(r.eventLoop.maxMs)}`,
    r.failed ? '–' : mb(r.memory.heapGrowthBytes),
    integrity,
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

/** How far a report got: all its runs, or some (the rest still to run, or interrupted). */
export interface ReportProgress {
  done: number;
  total: number;
  interrupted?: boolean;
}

/** The line that says a report is partial, or nothing when it is complete. */
export function progressLine(progress: ReportProgress | undefined): string | undefined {
  if (!progress || progress.done >= progress.total) return undefined;
  return progress.interrupted
    ? `Interrupted: ${progress.done} of ${progress.total} runs finished; this report holds those.`
    : `In progress: ${progress.done} of ${progress.total} runs finished so far.`;
}

/**
 * The whole Markdown report: the verdict per scenario and worker count first, then the table,
 * then each run's integrity findings.
 */
export function markdownReport(
  results: readonly TestResult[],
  title: string,
  command: string,
  progress?: ReportProgress,
): string {
  const notes = results
    .filter((r) => r.integrity.problems.length > 0 && !r.integrity.ok)
    .map((r) => `- ${r.scenario} / ${r.contender} @ ${r.workers}: ${r.integrity.problems.join('; ')}`);
  const partial = progressLine(progress);
  return [
    `# ${title}`,
    '',
    ...(partial ? [`**${partial}**`, ''] : []),
    '## Verdict',
    '',
    ...verdicts(results).map((v) => `- ${v.text}`),
    '',
    '## Runs',
    '',
    `Command: \`${command}\``,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}. Latencies from \`perf_hooks\` histograms; ` +
      'wait = time to get a connection; op = one bot operation end to end; loop = event-loop delay. ' +
      'A dash: nothing was measured (the run failed, or froze before any operation finished).',
    '',
    markdownTable(results),
    '',
    ...(notes.length > 0 ? ['## Integrity failures', '', ...notes, ''] : []),
  ].join('\n');
}
