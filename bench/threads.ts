/**
 * The bot's pattern in each mode: inline, hybrid (`threads: true`) and every connection in a
 * worker thread (`threads: 'all'`). Many async workers each await one `pool.read` with one
 * statement at a time, letting the event loop turn between requests, as a bot's handlers do.
 * Not a test: prints figures for docs/threads.md (bench/threads-pipelined.ts has the pipelined ones).
 *
 *   npx tsx bench/threads.ts [--rows 200000] [--seconds 3] [--modes inline,hybrid,threads] [--dist]
 *
 * Each mode runs in a process of its own, on the same seeded file. `--dist` runs the built package (`npm run build` first), as a user's install would: its threads
 * load JavaScript instead of compiling the TypeScript sources as they boot.
 *
 * 1. Cold start: 20 workers from the moment `createPool` returns; queries in the first second
 *    against the steady rate of the same load once warm.
 * 2. Point reads by primary key, 20 and 50 workers.
 * 3. Heavy reads only (`GROUP BY` over the table), 4 workers.
 * 4. A mix: 95% point reads, 5% heavy reads, 20 workers.
 * 5. One-row autocommit UPDATEs by primary key, 20 workers: the cost of the write lane.
 * Each with the event-loop delay p99 and max (perf_hooks.monitorEventLoopDelay, 1 ms resolution).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolOptions } from '../core/options/options.js';
import { botRun, seed, THREADS_OPTION, type BotLoad, type BotRun, type Mode } from './bot-pattern.js';
import { loadAverage } from './report.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}

const ROWS = Number(arg('rows', '200000'));
const MS = Number(arg('seconds', '3')) * 1000;
const MODES = arg('modes', 'inline,hybrid,threads').split(',') as Mode[];

/** A child runs one mode on the parent's file and prints its figures as JSON on its last line. */
const CHILD = process.argv.includes('--child');
const dir = CHILD ? '' : mkdtempSync(join(tmpdir(), 'roas-bench-threads-'));
const filename = CHILD ? arg('file', '') : join(dir, 'bench.db');
if (!CHILD) seed(filename, ROWS);
const options = (mode: Mode): PoolOptions => ({
  filename,
  threads: THREADS_OPTION[mode],
  // The first requests of a cold start wait for threads to boot: no request may time out.
  acquireTimeoutMs: 60_000,
});
const points = (workers: number): BotLoad => ({ workers, heavyEvery: 0, durationMs: MS, rows: ROWS });
const scenarios: [string, BotLoad][] = [
  ['points, 20 workers', points(20)],
  ['points, 50 workers', points(50)],
  ['heavy only, 4 workers', { ...points(4), heavyEvery: 1, heavyOnly: true }],
  ['95% points / 5% heavy, 20 workers', { ...points(20), heavyEvery: 20 }],
  ['one-row writes, 20 workers', { ...points(20), writes: true }],
];

/** One mode's figures: the steady rate and its printout per scenario, and the cold start. */
interface ModeRun {
  rates: Record<string, number>;
  shown: Record<string, string>;
  firstSecond: number;
}

const show = (r: BotRun): string =>
  `${r.qps.toFixed(r.qps < 100 ? 1 : 0)}/s, loop p99 ${r.loopP99Ms.toFixed(1)} max ${r.loopMaxMs.toFixed(0)} ms`;

async function runMode(mode: Mode): Promise<ModeRun> {
  const cold = await botRun(options, mode, points(20), false);
  const run: ModeRun = { rates: {}, shown: {}, firstSecond: cold.firstSecond ?? 0 };
  for (const [name, scenario] of scenarios) {
    const r = await botRun(options, mode, scenario, true);
    run.rates[name] = r.qps;
    run.shown[name] = show(r);
  }
  return run;
}

/**
 * Each mode in a process of its own, as a bot runs one mode: in one process, the modes run
 * before would leave the JIT's view of the call sites they shared mixed (a hybrid run after
 * inline runs measured 0.66x-0.74x of inline where, alone, it measured 0.95x-1.01x).
 */
function runChild(mode: Mode): ModeRun {
  const own = process.argv.slice(2).filter((a, i, all) => a !== '--modes' && all[i - 1] !== '--modes');
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...own,
      '--modes',
      mode,
      '--child',
      '--file',
      filename,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0)
    throw new Error(`the ${mode} run failed (exit ${String(child.status)}): ${child.stdout}`);
  return JSON.parse(last) as ModeRun;
}

if (CHILD) {
  console.log(JSON.stringify(await runMode(MODES[0] as Mode)));
} else {
  console.log(`load average ${loadAverage()} (the machine may be shared)`);
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, ${ROWS} rows, ${MS} ms a run, each mode in its own process, pool from ${process.argv.includes('--dist') ? 'dist/ (built)' : 'the TypeScript sources'}`,
  );
  const results: Record<string, Record<string, string>> = {};
  const put = (row: string, mode: Mode, value: string): void => {
    (results[row] ??= {})[mode] = value;
  };
  const steady: Partial<Record<Mode, Record<string, number>>> = {};
  try {
    for (const mode of MODES) {
      const run = runChild(mode);
      steady[mode] = run.rates;
      for (const [name] of scenarios) put(name, mode, run.shown[name] as string);
      const warm = run.rates['points, 20 workers'] as number;
      put('cold: queries in the 1st second (20 workers)', mode, `${run.firstSecond}`);
      put('cold: 1st second / steady rate', mode, (run.firstSecond / warm).toFixed(2));
    }
    console.table(results);
    const inline = steady.inline;
    if (inline !== undefined)
      for (const mode of MODES.filter((m) => m !== 'inline'))
        for (const [name] of scenarios)
          console.log(
            `${mode} / inline, ${name}: ${((steady[mode]?.[name] ?? 0) / (inline[name] as number)).toFixed(2)}x`,
          );
    console.log(`load average at the end ${loadAverage()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
