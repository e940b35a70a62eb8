/**
 * Before and after for the uncontended acquire+release cycle, in one process: two checkouts of the
 * package (each with its index.ts; a copy of an older commit made with `git archive`), one pool
 * each, their loops alternating round by round, so that a machine other jobs load weighs on both
 * alike. Prints the median CPU µs per cycle of each and the median of the rounds' ratios (b / a).
 * A benchmark, not a test.
 *
 *   mkdir .tmp/base && git archive <commit> | tar -x -C .tmp/base && ln -s "$PWD/node_modules" .tmp/base/
 *   npx tsx bench/ab-cycle.ts --a .tmp/base --b . [--rounds 21] [--cycles 200000]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pool } from '../core/pool.js';
import { tempDir } from '../test/helpers.js';
import { loadAverage, median } from './report.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: '.' },
    b: { type: 'string', default: '.' },
    rounds: { type: 'string', default: '21' },
    cycles: { type: 'string', default: '200000' },
  },
});
const cycles = Number(values.cycles);

async function open(dir: string): Promise<Pool> {
  const { createPool } = (await import(
    pathToFileURL(resolve(dir, 'index.ts')).href
  )) as typeof import('../index.js');
  return createPool({ filename: tempDir().file(), max: 20 });
}

/** CPU µs per `(await pool.acquire()).release()`. */
async function cycle(pool: Pool): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < cycles; i++) (await pool.acquire()).release();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / cycles;
}

const load = loadAverage();
const pools = [await open(values.a), await open(values.b)] as const;
for (const pool of pools) await cycle(pool); // warm up: JIT
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  if (r % 2 === 0) a.push(await cycle(pools[0]));
  b.push(await cycle(pools[1]));
  if (r % 2 === 1) a.push(await cycle(pools[0]));
}
for (const pool of pools) await pool.close();
console.log(
  `node ${process.version}, load ${load} (after: ${loadAverage()}): a ${median(a).toFixed(3)} µs, b ${median(b).toFixed(3)} µs, b / a ${median(b.map((x, i) => x / (a[i] as number))).toFixed(3)}`,
);
