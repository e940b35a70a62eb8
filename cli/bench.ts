import { checkSqliteBinding } from '../adapters/drivers/sqlite/native-binding.js';
import { CONTENDERS, DEFAULT_CONTENDERS } from '../suite/contenders/index.js';
import { missingPackage } from '../suite/contenders/optional-import.js';
import {
  generatePerformanceReport,
  type PerformanceReport,
} from '../suite/report/generate-performance-report.js';
import { markdownTable } from '../suite/report/markdown.js';
import { verdicts } from '../suite/report/verdict.js';
import { runMatrix } from '../suite/run-matrix.js';
import { SCENARIOS } from '../suite/scenarios/index.js';
import type { TestResult } from '../suite/types.js';
import { duration, intList, names, parse, writableDir } from './args.js';
import { CliError, EXIT, exitCodesHelp, guarded } from './errors.js';
import { progress } from './progress.js';

/** How long a run may overrun before its process is killed (a frozen event loop). */
export const DEFAULT_GRACE_MS = 500;

/** Per-run length of the default comparison. */
export const DEFAULT_BENCH_DURATION_MS = 1500;

/** The most workers one run may have. */
const MAX_WORKERS = 1000;

const USAGE = `Usage: roas-pool bench [options]

Runs each scenario at each worker count against each contender, one run at a time, each on a
fresh SQLite file in a temp folder and in its own process. After every finished run it rewrites
report.json, report.md and report.html in --out, so nothing finished is lost (Ctrl-C writes the
report of what finished and exits 130). At the end it prints the verdict per scenario and the
comparison table.

Options:
  --scenario <names>     comma-separated: ${Object.keys(SCENARIOS).join(', ')}
                         (default bot-mix)
  --workers <counts>     comma-separated worker counts, 1 to ${MAX_WORKERS} (default 10,20,50)
  --duration <time>      per run, more than 0: 3000, 3s, 2m (default ${DEFAULT_BENCH_DURATION_MS}ms)
  --contenders <names>   comma-separated: ${Object.keys(CONTENDERS).join(', ')}
                         (default ${DEFAULT_CONTENDERS.join(',')}). tarn, generic-pool and the
                         kysely-* contenders need their package installed (npm install -D tarn
                         generic-pool kysely); without it they are skipped with one line.
  --out <dir>            where to write the reports, created if missing; checked before any run
                         (default ./roas-pool-report)
  --seed <n>             seed of the operation mix, a positive integer (default 1)
  --grace <time>         each run has its own process, killed this long after --duration if it
                         has not finished (an event loop frozen in a busy wait) (default ${DEFAULT_GRACE_MS}ms)
  --debug                print stack traces with errors
  -h, --help             this text

Progress goes to stderr: a bar on a terminal, and one line per finished run.

${exitCodesHelp('a run failed, or an integrity check found an acknowledged write missing')}
Example:
  roas-pool bench --workers 20 --duration 3s --contenders naive,roas-pool --out reports
`;

/** The parsed form of `roas-pool bench`'s arguments. */
export interface BenchArgs {
  scenarios: string[];
  workers: number[];
  durationMs: number;
  contenders: string[];
  out: string;
  seed: number;
  graceMs: number;
  help: boolean;
}

/**
 * Parses and checks `roas-pool bench` arguments with `util.parseArgs` (strict: an unknown flag,
 * name or a value out of range throws a UsageError). Does not touch the disk.
 *
 * @example
 * ```ts
 * parseBenchArgs(['--workers', '20', '--duration', '3s']).durationMs; // 3000
 * ```
 */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parse(
    {
      args: argv,
      strict: true,
      options: {
        scenario: { type: 'string', default: 'bot-mix' },
        workers: { type: 'string', default: '10,20,50' },
        duration: { type: 'string', default: String(DEFAULT_BENCH_DURATION_MS) },
        contenders: { type: 'string', default: DEFAULT_CONTENDERS.join(',') },
        out: { type: 'string', default: 'roas-pool-report' },
        seed: { type: 'string', default: '1' },
        grace: { type: 'string', default: String(DEFAULT_GRACE_MS) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    'bench',
  );
  return {
    scenarios: names('scenario', values.scenario, Object.keys(SCENARIOS), 'bench'),
    workers: intList('workers', values.workers, 'bench', 1, MAX_WORKERS),
    durationMs: duration('duration', values.duration, 'bench', 1),
    contenders: names('contenders', values.contenders, Object.keys(CONTENDERS), 'bench'),
    out: values.out,
    seed: intList('seed', values.seed, 'bench', 1, 2 ** 31 - 1)[0] as number,
    graceMs: duration('grace', values.grace, 'bench', 0),
    help: values.help,
  };
}

/** The contenders that can run here; one line for each that cannot, saying how to add it. */
async function runnable(contenders: readonly string[], say: (line: string) => void): Promise<string[]> {
  const ok: string[] = [];
  for (const name of contenders) {
    const missing = await missingPackage(name);
    if (missing === undefined) ok.push(name);
    else
      say(
        `skipping ${name}: it needs the "${missing}" package, which is not installed (add it with: npm install --save-dev ${missing})`,
      );
  }
  return ok;
}

/** `roas-pool bench`: see {@link parseBenchArgs} for the flags. */
export async function runBench(argv: string[]): Promise<number> {
  return guarded('bench', async () => {
    const args = parseBenchArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE);
      return EXIT.OK;
    }
    const out = writableDir('out', args.out);
    checkSqliteBinding(); // NATIVE_BINDING_MISSING as one line, before any run
    const contenders = await runnable(args.contenders, (line) => process.stderr.write(`${line}\n`));
    if (contenders.length === 0)
      throw new CliError(
        'NO_CONTENDER',
        'every contender asked for needs a package that is not installed',
        'install the packages named above, or add naive and roas-pool to --contenders',
        EXIT.ENVIRONMENT,
      );
    const total = args.scenarios.length * args.workers.length * contenders.length;
    const command = `roas-pool bench ${argv.join(' ')}`.trim();
    const show = progress(total);
    const results: TestResult[] = [];
    const write = (interrupted = false): Promise<PerformanceReport> =>
      generatePerformanceReport(results, {
        outDir: out,
        command,
        progress: { done: results.length, total, ...(interrupted ? { interrupted } : {}) },
      });
    const stop = new AbortController();
    const onSigint = (): void => {
      if (stop.signal.aborted) process.exit(EXIT.INTERRUPTED); // a second Ctrl-C: leave now
      show.line('interrupted: stopping the current run and writing the report of the runs that finished');
      stop.abort(new Error('interrupted'));
    };
    process.on('SIGINT', onSigint);
    try {
      await runMatrix({
        scenarios: args.scenarios,
        workers: args.workers,
        contenders,
        durationMs: args.durationMs,
        seed: args.seed,
        isolate: { graceMs: args.graceMs },
        signal: stop.signal,
        onRunStart: (run) =>
          show.start({ index: run.index, label: `${run.scenario} ${run.contender} @${run.workers}` }),
        onProgress: (fraction) => show.update(fraction),
        onRunEnd: async (result) => {
          results.push(result);
          show.finished(result);
          await write();
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
      show.stop();
    }
    const interrupted = stop.signal.aborted;
    const report = await write(interrupted);
    const verdict = verdicts(results)
      .map((v) => `- ${v.text}`)
      .join('\n');
    process.stdout.write(
      `${interrupted ? `Interrupted after ${results.length} of ${total} runs.\n\n` : ''}` +
        `Verdict:\n${verdict || '- no run finished'}\n\n${markdownTable(results)}\n\n`,
    );
    process.stdout.write(
      `Reports:\n  ${report.paths?.json}\n  ${report.paths?.markdown}\n  ${report.paths?.html}\n`,
    );
    if (interrupted) return EXIT.INTERRUPTED;
    return results.every((r) => r.integrity.ok && !r.failed) ? EXIT.OK : EXIT.FINDINGS;
  });
}
