import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generatePerformanceReport } from '../suite/report/generate-performance-report.js';
import { markdownTable } from '../suite/report/markdown.js';
import type { TestResult } from '../suite/types.js';
import { parse, UsageError, withUsage } from './args.js';

const USAGE = `Usage: roas-pool report <result.json> [--out <dir>]

Reads a report.json written by \`roas-pool bench\`, prints its table, and writes report.md and
report.html again (next to the JSON unless --out says otherwise).
`;

/** `roas-pool report <result.json>`. */
export async function runReport(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [file, extra] = positionals;
    if (file === undefined || extra !== undefined)
      throw new UsageError('report takes exactly one result.json');
    const parsed = JSON.parse(await readFile(file, 'utf8')) as {
      results?: TestResult[];
      command?: string;
      title?: string;
    };
    if (!Array.isArray(parsed.results))
      throw new UsageError(`${file} has no "results" array: is it a roas-pool report.json?`);
    const report = await generatePerformanceReport(parsed.results, {
      outDir: values.out ?? dirname(file),
      ...(parsed.command ? { command: parsed.command } : {}),
      ...(parsed.title ? { title: parsed.title } : {}),
    });
    process.stdout.write(
      `${markdownTable(parsed.results)}\n\nReports:\n  ${report.paths?.markdown}\n  ${report.paths?.html}\n`,
    );
    return 0;
  });
}
