/**
 * What the cross-process write lane costs a process alone on its file (issue 24): the same work
 * with `crossProcessLane` on and off, one process, one run, the two modes alternating within each
 * trial (which goes first alternates too); each figure is the median of the trials. Work: awaiting
 * write transactions (UPDATE, an await, INSERT) from 4 workers, single-statement writes from 4
 * workers, point reads from 20 workers. Operations a second by the wall clock, and microseconds of
 * this process's CPU an operation (what the work cost, whatever the machine's other load).
 * A benchmark, not a test: it asserts nothing.
 *
 *   npx tsx bench/lane-alone.ts [--duration 500] [--trials 6]
 */
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPool, type Pool } from '../index.js';
import { loadAverage, median } from './report.js';
import { seedWriteWorkload } from './write-workload.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '500' }, trials: { type: 'string', default: '6' } },
});
const durationMs = Number(values.duration);
const trials = Number(values.trials);

type Work = (pool: Pool, i: number) => Promise<unknown>;
const works: { name: string; workers: number; op: Work }[] = [
  {
    name: 'write transaction (UPDATE, await, INSERT)',
    workers: 4,
    op: (pool, i) =>
      pool.transaction(async (db) => {
        await db.run('UPDATE users SET points = points + 1 WHERE id = ?', [(i % 1000) + 1]);
        await Promise.resolve();
        await db.run('INSERT INTO log (user, at) VALUES (?, ?)', [i % 1000, i]);
      }),
  },
  {
    name: 'single-statement write',
    workers: 4,
    op: (pool, i) =>
      pool.write((db) => db.run('UPDATE users SET points = points + 1 WHERE id = ?', [(i % 1000) + 1])),
  },
  {
    name: 'point read',
    workers: 20,
    op: (pool, i) => pool.read((db) => db.get('SELECT points FROM users WHERE id = ?', [(i % 1000) + 1])),
  },
];

/** Operations a second (wall clock) and µs of CPU an operation, for one mode of one work. */
async function measure(file: string, lane: boolean, work: (typeof works)[number]): Promise<[number, number]> {
  const pool = createPool({ filename: file, crossProcessLane: lane });
  let n = 0;
  const loop = async (until: number): Promise<void> => {
    while (performance.now() < until) await work.op(pool, n++);
  };
  const burst = (ms: number): Promise<unknown> =>
    Promise.all(Array.from({ length: work.workers }, () => loop(performance.now() + ms)));
  await burst(100); // open the connections (and find or host the lane), warm the JIT
  n = 0;
  const t = performance.now();
  const cpu = process.cpuUsage();
  await burst(durationMs);
  const { user, system } = process.cpuUsage(cpu);
  const wallS = (performance.now() - t) / 1000;
  await pool.close();
  return [n / wallS, (user + system) / n];
}

const { dir, file } = seedWriteWorkload('roas-bench-lane-alone-');
console.log(`node ${process.version}, ${trials} trials of ${durationMs} ms a mode, load ${loadAverage()}`);
console.log(
  '| work | ops/s, lane on / off | ratio | CPU µs an op, on / off | ratio |\n| --- | --- | --- | --- | --- |',
);
try {
  for (const work of works) {
    const on: [number, number][] = [];
    const off: [number, number][] = [];
    for (let trial = 0; trial < trials; trial++) {
      for (const lane of trial % 2 === 0 ? [true, false] : [false, true])
        (lane ? on : off).push(await measure(file, lane, work));
    }
    const rate = (xs: [number, number][]): number => median(xs.map(([r]) => r));
    const cpu = (xs: [number, number][]): number => median(xs.map(([, c]) => c));
    const rateRatio = median(on.map(([r], i) => r / (off[i] as [number, number])[0]));
    const cpuRatio = median(on.map(([, c], i) => c / (off[i] as [number, number])[1]));
    console.log(
      `| ${work.name} | ${Math.round(rate(on))} / ${Math.round(rate(off))} | ${rateRatio.toFixed(3)} | ${cpu(on).toFixed(1)} / ${cpu(off).toFixed(1)} | ${cpuRatio.toFixed(3)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load ${loadAverage()}`);
