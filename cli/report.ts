import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatePerformanceReport } from '../suite/report/generate-performance-report.js';
import { markdownTable, type ReportProgress } from '../suite/report/markdown.js';
import type { TestResult } from '../suite/types.js';
import { existingFile, parse, UsageError, writableDir } from './args.js';
import { CliError, EXIT, exitCodesHelp, guarded } from './errors.js';

const USAGE = `Usage: roas-pool report <report.json> [--out <dir>]

Reads a report.json written by \`roas-pool bench\` (complete or interrupted), prints its verdict
table, and writes report.md and report.html again.

Options:
  --out <dir>   where to write report.md and report.html (default: the folder of the JSON)
  --debug       print stack traces with errors
  -h, --help    this text

${exitCodesHelp('not used: report prints what the JSON holds')}`;

/** `roas-pool report <report.json>`. */
export async function runReport(argv: string[]): Promise<number> {
  return guarded('report', async () => {
    const { values, positionals } = parse(
      {
        args: argv,
        strict: true,
        allowPositionals: true,
        options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      },
      'report',
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.OK;
    }
    const [file, extra] = positionals;
    if (file === undefined || extra !== undefined)
      throw new UsageError('report takes exactly one report.json', 'report');
    existingFile('', file, 'the report.json that `roas-pool bench` wrote (in its --out folder)');
    const out = writableDir('out', values.out ?? dirname(file));
    let parsed: { results?: TestResult[]; command?: string; title?: string; progress?: ReportProgress };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    } catch (err) {
      throw new CliError(
        'NOT_A_REPORT',
        `${file} is not JSON (${(err as Error).message})`,
        'pass the report.json that `roas-pool bench` wrote',
        EXIT.USAGE,
        { cause: err },
      );
    }
    if (!Array.isArray(parsed.results))
      throw new CliError(
        'NOT_A_REPORT',
        `${file} has no "results" array`,
        'pass the report.json that `roas-pool bench` wrote',
      );
    const report = await generatePerformanceReport(parsed.results, {
      outDir: out,
      ...(parsed.command ? { command: parsed.command } : {}),
      ...(parsed.title ? { title: parsed.title } : {}),
      ...(parsed.progress ? { progress: parsed.progress } : {}),
    });
    process.stdout.write(
      `${markdownTable(parsed.results)}\n\nReports:\n  ${report.paths?.markdown}\n  ${report.paths?.html}\n`,
    );
    return EXIT.OK;
  });
}
