import type { TestResult } from '../types.js';
import { progressLine, RESULT_COLUMNS, resultCells, type ReportProgress } from './markdown.js';
import { barChart, esc, lineChart } from './svg.js';
import { completedNothing, verdicts } from './verdict.js';

const label = (r: TestResult): string =>
  `${r.contender} @${r.workers}${r.processes > 1 ? `x${r.processes}p` : ''}` +
  `${r.scenario === 'bot-mix' ? '' : ` ${r.scenario}`}${r.stopped ? ' (stopped)' : ''}`;

/**
 * The charts of a report, each one inline SVG string. Runs that measured nothing (failed, or
 * froze before any operation finished) are left out of the latency charts, and a chart with
 * nothing to draw (every value 0, or fewer than two timeline points) is not drawn.
 */
export function reportCharts(results: readonly TestResult[]): { title: string; svg: string }[] {
  const measured = results.filter((r) => !completedNothing(r));
  const cats = measured.map(label);
  const latency = (pick: (r: TestResult) => TestResult['opLatency']): { name: string; values: number[] }[] =>
    (['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'] as const).map((k) => ({
      name: k.slice(0, -2),
      values: measured.map((r) => pick(r)[k]),
    }));
  const anything = (values: number[]): boolean => values.some((v) => v > 0);
  const charts: { title: string; svg: string }[] = [];
  const bars = (
    title: string,
    series: { name: string; values: number[] }[],
    log = false,
    unit = '',
  ): void => {
    if (cats.length > 0 && series.some((x) => anything(x.values)))
      charts.push({ title, svg: barChart(title, cats, series, log, unit) });
  };
  bars(
    'Operation latency p50 / p95 / p99 / max (ms, log scale)',
    latency((r) => r.opLatency),
    true,
  );
  bars(
    'Acquire wait p50 / p95 / p99 / max (ms, log scale)',
    latency((r) => r.acquireWait),
    true,
  );
  bars('Throughput (successful ops/s)', [{ name: 'ops/s', values: measured.map((r) => r.opsPerSec) }]);
  bars(
    'Error rate (%)',
    [{ name: 'error rate', values: measured.map((r) => r.errorRate * 100) }],
    false,
    '%',
  );
  for (const r of results) {
    const series = (['size', 'leased', 'waiting'] as const).map((k) => ({
      name: k,
      points: r.timeline.map((p): [number, number] => [p.tMs, p[k]]),
    }));
    if (r.timeline.length < 2 || !series.some((x) => anything(x.points.map((p) => p[1])))) continue;
    const title = `Pool size and waiters over time: ${label(r)}`;
    charts.push({ title, svg: lineChart(title, series, 'ms') });
  }
  return charts;
}

/**
 * One self-contained HTML page: the comparison table and inline SVG charts. It loads nothing
 * (no scripts, fonts, stylesheets or images from anywhere), so it opens offline.
 *
 * @example
 * ```ts
 * await writeFile('report.html', htmlReport(results, 'bot-mix', 'roas-pool bench'));
 * ```
 */
export function htmlReport(
  results: readonly TestResult[],
  title: string,
  command: string,
  progress?: ReportProgress,
): string {
  const partial = progressLine(progress);
  const verdict = verdicts(results)
    .map((v) => `<li>${esc(v.text)}</li>`)
    .join('\n');
  const rows = results
    .map(
      (r) =>
        `<tr class="${r.errors > 0 || r.stopped || !r.integrity.ok ? 'bad' : ''}">${resultCells(r)
          .map((c) => `<td>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const charts = reportCharts(results)
    .map((c) => `<figure>${c.svg}</figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:nth-child(-n+3),th{text-align:left}tr.bad td{background:#fdecea}figure{margin:16px 0}
code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>${esc(title)}</h1>
${partial ? `<p><strong>${esc(partial)}</strong></p>` : ''}
<h2>Verdict</h2>
<ul>
${verdict}
</ul>
<h2>Runs</h2>
<p>Command: <code>${esc(command)}</code> &middot; Node ${esc(process.version)} &middot; generated ${esc(new Date().toISOString())}</p>
<p>wait = time to get a connection; op = one bot operation end to end; loop = event-loop delay. A dash: nothing was measured. Rows with errors, a stopped or failed run, or a failed integrity check are shaded.</p>
<table><thead><tr>${RESULT_COLUMNS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
${charts}
</body></html>
`;
}
