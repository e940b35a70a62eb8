import { CONTENDERS, DEFAULT_CONTENDERS } from '../suite/contenders/index.js';
import { generatePerformanceReport } from '../suite/report/generate-performance-report.js';
import { markdownTable } from '../suite/report/markdown.js';
import { runMatrix } from '../suite/run-matrix.js';
import { SCENARIOS } from '../suite/scenarios/index.js';
import { duration, intList, parse, UsageError, withUsage } from './args.js';

/** How long a run may overrun before its process is killed (a frozen event loop). */
export const DEFAULT_GRACE_MS = 500;

/** Per-run length of the default comparison: 15 runs come to about a minute. */
export const DEFAULT_BENCH_DURATION_MS = 1500;

const USAGE = `Usage: roas-pool bench [options]

Runs each scenario at each worker count against each contender, one run at a time, on a fresh
SQLite file in a temp dir, then prints the comparison and writes report.json, report.md and
report.html.

Options:
  --scenario <names>     comma-separated: ${Object.keys(SCENARIOS).join(', ')} (default bot-mix)
  --workers <counts>     comma-separated worker counts (default 10,20,50)
  --duration <time>      per run: 3000, 3s, 2m (default ${DEFAULT_BENCH_DURATION_MS}ms)
  --contenders <names>   comma-separated: ${Object.keys(CONTENDERS).join(', ')}
                         (default ${DEFAULT_CONTENDERS.join(',')})
  --out <dir>            where to write the reports (default ./roas-pool-report)
  --seed <n>             seed of the operation mix (default 1)
  --grace <time>         each run has its own process, killed this long after --duration if it
                         has not finished (an event loop frozen in a busy wait) (default ${DEFAULT_GRACE_MS}ms)
  -h, --help             this text
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

function names(flag: string, value: string, known: readonly string[]): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((n) => !known.includes(n));
  if (bad !== undefined || list.length === 0)
    throw new UsageError(`--${flag}: unknown "${bad ?? value}"; valid: ${known.join(', ')}`);
  return list;
}

/**
 * Parses `roas-pool bench` arguments with `util.parseArgs` (strict: unknown flags throw a
 * UsageError).
 *
 * @example
 * ```ts
 * parseBenchArgs(['--workers', '20', '--duration', '3s']).durationMs; // 3000
 * ```
 */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parse({
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
  });
  return {
    scenarios: names('scenario', values.scenario, Object.keys(SCENARIOS)),
    workers: intList('workers', values.workers),
    durationMs: duration('duration', values.duration),
    contenders: names('contenders', values.contenders, Object.keys(CONTENDERS)),
    out: values.out,
    seed: intList('seed', values.seed)[0] as number,
    graceMs: duration('grace', values.grace),
    help: values.help,
  };
}

/** `roas-pool bench`: see {@link parseBenchArgs} for the flags. */
export async function runBench(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const args = parseBenchArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    // cli-progress is a devDependency: without it (roas-pool installed as a dependency), no bar.
    const cliProgress = await import('cli-progress').then((m) => m.default).catch(() => undefined);
    const bar =
      args.durationMs > 1000 && cliProgress
        ? new cliProgress.SingleBar(
            {
              format: ' {bar} {percentage}% | run {run}/{runs} {label}',
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    const total = args.scenarios.length * args.workers.length * args.contenders.length;
    let index = 0;
    bar?.start(total * 100, 0, { run: 1, runs: total, label: '' });
    const results = await runMatrix({
      scenarios: args.scenarios,
      workers: args.workers,
      contenders: args.contenders,
      durationMs: args.durationMs,
      seed: args.seed,
      isolate: { graceMs: args.graceMs },
      onRunStart: (run) => {
        index = run.index;
        bar?.update(index * 100, {
          run: index + 1,
          label: `${run.scenario} ${run.contender} @${run.workers}`,
        });
      },
      onProgress: (fraction) => bar?.update(Math.round((index + fraction) * 100)),
    });
    bar?.stop();
    const command = `roas-pool bench ${argv.join(' ')}`.trim();
    const report = await generatePerformanceReport(results, { outDir: args.out, command });
    process.stdout.write(`${markdownTable(results)}\n\n`);
    process.stdout.write(
      `Reports:\n  ${report.paths?.json}\n  ${report.paths?.markdown}\n  ${report.paths?.html}\n`,
    );
    return results.every((r) => r.integrity.ok) ? 0 : 1;
  });
}
