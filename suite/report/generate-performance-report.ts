import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TestResult } from '../types.js';
import { htmlReport } from './html.js';
import { markdownReport } from './markdown.js';

/** Options of {@link generatePerformanceReport}. */
export interface ReportOptions {
  /** Write `report.json`, `report.md` and `report.html` here (created if missing). */
  outDir?: string;
  title?: string;
  /** The command that produced the results, printed in the reports. */
  command?: string;
}

/** The three renderings of a report, and where they were written. */
export interface PerformanceReport {
  json: string;
  markdown: string;
  html: string;
  /** Absolute paths, when `outDir` was given. */
  paths?: { json: string; markdown: string; html: string };
}

/**
 * Renders results as JSON (the raw TestResults, reloadable with `roas-pool report`), Markdown
 * (a comparison table) and one self-contained HTML page with inline SVG charts: latency
 * percentiles per contender, throughput, error rate, and pool size and waiters over time.
 *
 * @example
 * ```ts
 * const { paths } = await generatePerformanceReport(results, { outDir: 'reports' });
 * console.log(paths?.html);
 * ```
 */
export async function generatePerformanceReport(
  results: readonly TestResult[],
  options: ReportOptions = {},
): Promise<PerformanceReport> {
  const title = options.title ?? 'roas-pool concurrency report';
  const command = options.command ?? 'runConcurrentTest()';
  const report: PerformanceReport = {
    json: JSON.stringify({ title, command, node: process.version, results }, null, 2),
    markdown: markdownReport(results, title, command),
    html: htmlReport(results, title, command),
  };
  if (options.outDir) {
    const dir = resolve(options.outDir);
    await mkdir(dir, { recursive: true });
    report.paths = {
      json: join(dir, 'report.json'),
      markdown: join(dir, 'report.md'),
      html: join(dir, 'report.html'),
    };
    await writeFile(report.paths.json, report.json);
    await writeFile(report.paths.markdown, report.markdown);
    await writeFile(report.paths.html, report.html);
  }
  return report;
}
