import type { TestResult } from '../types.js';
import { RESULT_COLUMNS, resultCells } from './markdown.js';
import { barChart, esc, lineChart } from './svg.js';

const label = (r: TestResult): string =>
  `${r.contender} @${r.workers}${r.processes > 1 ? `x${r.processes}p` : ''}` +
  `${r.scenario === 'bot-mix' ? '' : ` ${r.scenario}`}${r.stopped ? ' (stopped)' : ''}`;

/** The charts of a report, each one inline SVG string. */
export function reportCharts(results: readonly TestResult[]): { title: string; svg: string }[] {
  const cats = results.map(label);
  const latency = (pick: (r: TestResult) => TestResult['opLatency']): { name: string; values: number[] }[] =>
    (['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'] as const).map((k) => ({
      name: k.slice(0, -2),
      values: results.map((r) => pick(r)[k]),
    }));
  const charts = [
    { title: 'Operation latency p50 / p95 / p99 / max (ms, log scale)', svg: '' },
    { title: 'Acquire wait p50 / p95 / p99 / max (ms, log scale)', svg: '' },
    { title: 'Throughput (successful ops/s)', svg: '' },
    { title: 'Error rate (%)', svg: '' },
  ];
  charts[0]!.svg = barChart(
    charts[0]!.title,
    cats,
    latency((r) => r.opLatency),
    true,
    '',
  );
  charts[1]!.svg = barChart(
    charts[1]!.title,
    cats,
    latency((r) => r.acquireWait),
    true,
    '',
  );
  charts[2]!.svg = barChart(charts[2]!.title, cats, [
    { name: 'ops/s', values: results.map((r) => r.opsPerSec) },
  ]);
  charts[3]!.svg = barChart(
    charts[3]!.title,
    cats,
    [{ name: 'error rate', values: results.map((r) => r.errorRate * 100) }],
    false,
    '%',
  );
  for (const r of results) {
    const title = `Pool size and waiters over time: ${label(r)}`;
    const series = (['size', 'leased', 'waiting'] as const).map((k) => ({
      name: k,
      points: r.timeline.map((p): [number, number] => [p.tMs, p[k]]),
    }));
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
export function htmlReport(results: readonly TestResult[], title: string, command: string): string {
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
<p>Command: <code>${esc(command)}</code> &middot; Node ${esc(process.version)} &middot; generated ${esc(new Date().toISOString())}</p>
<p>wait = time to get a connection; op = one bot operation end to end; loop = event-loop delay. Rows with errors or a failed integrity check are shaded.</p>
<table><thead><tr>${RESULT_COLUMNS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
${charts}
</body></html>
`;
}
