/**
 * The bot's pattern in each mode: inline, hybrid (`threads: true`) and every connection in a
 * worker thread (`threads: 'all'`). Many async workers each await one `pool.read` with one
 * statement at a time, letting the event loop turn between requests, as a bot's handlers do.
 * Not a test: prints figures for docs/threads.md (bench/threads-pipelined.ts has the pipelined ones).
 *
 *   npx tsx bench/threads.ts [--rows 200000] [--seconds 3] [--modes inline,hybrid,threads] [--dist]
 *
 * `--dist` runs the built package (`npm run build` first), as a user's install would: its threads
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
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PoolOptions } from '../core/options.js';
import { botRun, seed, type BotLoad, type BotRun, type Mode } from './bot-pattern.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}

const ROWS = Number(arg('rows', '200000'));
const MS = Number(arg('seconds', '3')) * 1000;
const MODES = arg('modes', 'inline,hybrid,threads').split(',') as Mode[];

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-threads-'));
const filename = join(dir, 'bench.db');
seed(filename, ROWS);
const options = (mode: Mode): PoolOptions => ({
  filename,
  threads: mode === 'inline' ? false : mode === 'hybrid' ? true : 'all',
  // The first requests of a cold start wait for threads to boot: no request may time out.
  acquireTimeoutMs: 60_000,
});
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average ${load()} (the machine may be shared)`);
console.log(
  `node ${process.version}, ${availableParallelism()} cores, ${ROWS} rows, ${MS} ms a run, pool from ${process.argv.includes('--dist') ? 'dist/ (built)' : 'the TypeScript sources'}`,
);

const points = (workers: number): BotLoad => ({ workers, heavyEvery: 0, durationMs: MS, rows: ROWS });
const scenarios: [string, BotLoad][] = [
  ['points, 20 workers', points(20)],
  ['points, 50 workers', points(50)],
  ['heavy only, 4 workers', { ...points(4), heavyEvery: 1, heavyOnly: true }],
  ['95% points / 5% heavy, 20 workers', { ...points(20), heavyEvery: 20 }],
  ['one-row writes, 20 workers', { ...points(20), writes: true }],
];

const results: Record<string, Record<string, string>> = {};
const put = (row: string, mode: Mode, value: string): void => {
  (results[row] ??= {})[mode] = value;
};
const show = (r: BotRun): string =>
  `${r.qps.toFixed(r.qps < 100 ? 1 : 0)}/s, loop p99 ${r.loopP99Ms.toFixed(1)} max ${r.loopMaxMs.toFixed(0)} ms`;

const steady: Partial<Record<Mode, Record<string, number>>> = {};
for (const mode of MODES) {
  const cold = await botRun(options, mode, points(20), false);
  const rates: Record<string, number> = (steady[mode] = {});
  for (const [name, scenario] of scenarios) {
    const r = await botRun(options, mode, scenario, true);
    rates[name] = r.qps;
    put(name, mode, show(r));
  }
  const warm = rates['points, 20 workers'] as number;
  put('cold: queries in the 1st second (20 workers)', mode, `${cold.firstSecond ?? 0}`);
  put('cold: 1st second / steady rate', mode, ((cold.firstSecond ?? 0) / warm).toFixed(2));
}
console.table(results);
const inline = steady.inline;
if (inline !== undefined)
  for (const mode of MODES.filter((m) => m !== 'inline'))
    for (const [name] of scenarios)
      console.log(
        `${mode} / inline, ${name}: ${((steady[mode]?.[name] ?? 0) / (inline[name] as number)).toFixed(2)}x`,
      );
console.log(`load average at the end ${load()}`);
rmSync(dir, { recursive: true, force: true });
