import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TestResult } from '../types.js';
import { verdicts } from './verdict.js';
import { htmlReport } from './html.js';
import { markdownReport, type ReportProgress } from './markdown.js';
import { PoolError } from '../../core/errors/errors.js';
import { showValue } from '../../core/errors/show-value.js';

/** Options of {@link generatePerformanceReport}. */
export interface ReportOptions {
  /** Write `report.json`, `report.md` and `report.html` here (created if missing). */
  outDir?: string;
  title?: string;
  /** The command that produced the results, printed in the reports. */
  command?: string;
  /** For a report written while runs go on, or after an interrupt: how many of how many finished. */
  progress?: ReportProgress;
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
 * Renders results as JSON (the verdicts and the raw TestResults, reloadable with `roas-pool
 * report`), Markdown (the verdict per scenario, then a comparison table) and one self-contained
 * HTML page with inline SVG charts: latency
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
  if (!Array.isArray(results))
    throw new PoolError(
      'INVALID_ARGUMENT',
      `generatePerformanceReport() takes an array of results, got ${showValue(results)}`,
    );
  const title = options.title ?? 'roas-pool concurrency report';
  const command = options.command ?? 'runConcurrentTest()';
  const report: PerformanceReport = {
    json: JSON.stringify(
      {
        title,
        command,
        node: process.version,
        ...(options.progress ? { progress: options.progress } : {}),
        verdicts: verdicts(results),
        results,
      },
      null,
      2,
    ),
    markdown: markdownReport(results, title, command, options.progress),
    html: htmlReport(results, title, command, options.progress),
  };
  if (options.outDir) {
    const dir = resolve(options.outDir);
    await mkdir(dir, { recursive: true });
    report.paths = {
      json: join(dir, 'report.json'),
      markdown: join(dir, 'report.md'),
      html: join(dir, 'report.html'),
    };
    await replaceFile(report.paths.json, report.json);
    await replaceFile(report.paths.markdown, report.markdown);
    await replaceFile(report.paths.html, report.html);
  }
  return report;
}

/** Writes beside the file, then renames over it: a reader (or a kill) never sees half a report. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.partial`, text);
  await rename(`${path}.partial`, path);
}
