import { parse, UsageError } from './args.js';
import { assess, renderReport } from './assess.js';
import { EXIT, exitCodesHelp, guarded } from './errors.js';
import { nocaseOption } from './nocase-option.js';
import { assessAgainst } from './rehearse.js';

// The command apart from assess.ts: with --to it rehearses through migrate, which reads assess.

const USAGE = `Usage: roas-pool assess --db <sqlite file> [--to <postgres url>] [--json]

Reads a SQLite file (read-only) and reports what moving it to PostgreSQL involves: a verdict
line first, then tables in foreign-key order with row counts and the column type mapping,
indexes and foreign keys, findings (blockers, items to redo by hand, notes), and an ordered plan.

Options:
  --db <file>   the SQLite file to assess (required)
  --to <url>    also rehearse the copy on this PostgreSQL database: in a fresh schema, rolled
                back, so nothing is left; what would fail becomes a blocker (see migrate --help
                for the URL)
  --nocase <how> with --to: rehearse COLLATE NOCASE as citext or lower, as migrate --nocase
  --json        print the report as JSON instead of Markdown
  --debug       print stack traces with errors
  -h, --help    this text

${exitCodesHelp('blockers found: fix them in SQLite before `roas-pool migrate` (the verdict says how many)')}
Example:
  roas-pool assess --db bot.db > assessment.md
`;

/**
 * `roas-pool assess --db bot.db [--to url] [--json]`: prints the verdict and the report; resolves to the
 * exit code (0 ready, 1 blockers found, 2 bad arguments or file).
 */
export async function runAssess(
  argv: string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  return guarded('assess', async () => {
    const { values } = parse(
      {
        args: argv,
        strict: true,
        options: {
          db: { type: 'string' },
          to: { type: 'string' },
          nocase: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      },
      'assess',
    );
    if (values.help) {
      out(USAGE);
      return EXIT.OK;
    }
    if (!values.db) throw new UsageError('assess needs --db <sqlite file>', 'assess');
    const nocase = nocaseOption(values.nocase, 'assess');
    const report = values.to ? await assessAgainst(values.db, values.to, nocase) : assess(values.db);
    out(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.findings.some((f) => f.severity === 'blocker') ? EXIT.FINDINGS : EXIT.OK;
  });
}
