/**
 * Before and after, in one run: the bot's pattern (async workers, each awaiting one point read by
 * primary key, then letting the event loop turn) against two builds of the package, alternating,
 * each run in a fresh process, with inline mode of the second build as the reference. Not a test:
 * prints figures for the changelog and docs/threads.md.
 *
 *   npm run build && cp -r dist .tmp/dist-after        # the change
 *   git stash && npm run build && cp -r dist .tmp/dist-before && git stash pop
 *   npx tsx bench/ab-dist.ts --a .tmp/dist-before --b .tmp/dist-after [--mode hybrid] [--runs 5]
 *
 * The builds must sit inside this checkout (`.tmp/` is ignored), where they find node_modules.
 * Each run is the median of 3 rounds of a 0.5 s untimed warm-up and `--seconds` timed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PoolOptions } from '../core/options/options.js';
import type { Pool } from '../core/pool.js';
import { botLoad, seed, THREADS_OPTION, type Mode } from './bot-pattern.js';
import { loadAverage, median } from './report.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    mode: { type: 'string', default: 'hybrid' },
    load: { type: 'string', default: 'points' },
    runs: { type: 'string', default: '5' },
    workers: { type: 'string', default: '20' },
    rows: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '2' },
    child: { type: 'boolean', default: false },
    dist: { type: 'string' },
    file: { type: 'string' },
  },
});
const ROWS = Number(values.rows);
const WORKERS = Number(values.workers);
const MS = Number(values.seconds) * 1000;

if (values.child) {
  const dist = resolve(values.dist as string, 'index.js');
  const { createPool } = (await import(new URL(`file://${dist}`).href)) as {
    createPool(options: PoolOptions): Pool;
  };
  const rounds: number[] = [];
  for (let k = 0; k < 3; k++) {
    const pool = createPool({ filename: values.file, threads: THREADS_OPTION[values.mode as Mode] });
    const load = { workers: WORKERS, heavyEvery: 0, rows: ROWS, writes: values.load === 'writes' };
    await botLoad(pool, { ...load, durationMs: 500 });
    rounds.push((await botLoad(pool, { ...load, durationMs: MS })).qps);
    await pool.close();
  }
  process.stdout.write(`${JSON.stringify(median(rounds))}\n`);
} else {
  if (values.a === undefined || values.b === undefined) {
    process.stderr.write(
      'usage: npx tsx bench/ab-dist.ts --a <built dist> --b <built dist> [--mode hybrid]\n',
    );
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'roas-bench-ab-'));
  const file = join(dir, 'bench.db');
  seed(file, ROWS);
  const self = fileURLToPath(import.meta.url);
  const run = (dist: string, mode: string): number => {
    const args = ['--import', 'tsx', self, '--child', '--dist', dist, '--mode', mode, '--file', file];
    const child = spawnSync(
      process.execPath,
      [
        ...args,
        '--workers',
        `${WORKERS}`,
        '--rows',
        `${ROWS}`,
        '--seconds',
        `${MS / 1000}`,
        '--load',
        values.load,
      ],
      {
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as number;
  };
  console.log(
    `load average ${loadAverage()}; ${values.mode}, ${WORKERS} workers of ${values.load === 'writes' ? 'one-row writes' : 'point reads'}, ${ROWS} rows`,
  );
  const sides = { a: [] as number[], b: [] as number[], inline: [] as number[] };
  for (let i = 0; i < Number(values.runs); i++) {
    sides.a.push(run(values.a, values.mode));
    sides.b.push(run(values.b, values.mode));
    sides.inline.push(run(values.b, 'inline'));
    console.log(
      `run ${i + 1}: a ${sides.a.at(-1)?.toFixed(0)}/s, b ${sides.b.at(-1)?.toFixed(0)}/s, inline (b) ${sides.inline.at(-1)?.toFixed(0)}/s`,
    );
  }
  const [a, b, inline] = [median(sides.a), median(sides.b), median(sides.inline)];
  const wins = sides.b.filter((x, i) => x > (sides.a[i] as number)).length;
  console.log(
    `medians: a ${a.toFixed(0)}/s (${(a / inline).toFixed(2)}x inline), b ${b.toFixed(0)}/s (${(b / inline).toFixed(2)}x inline), inline ${inline.toFixed(0)}/s`,
  );
  console.log(`b / a: ${((b / a - 1) * 100).toFixed(1)} %; b faster in ${wins} of ${sides.a.length} runs`);
  console.log(`load average at the end ${loadAverage()}`);
  rmSync(dir, { recursive: true, force: true });
}
