/**
 * What the event-loop budget (core/lease/turn-budget.ts) costs a point read. Two measures, in one
 * process, alternating A and B round by round, medians of the rounds:
 * - the settle itself: `await turns.settle(v)` against `await Promise.resolve(v)`, in a loop that
 *   never yields (so the budget defers every few ms, as it does under a read loop);
 * - point reads: one awaited `pool.read(get)` loop (never yielding) and the bot's pattern (20
 *   workers, each letting a macrotask pass between reads) on pools with `eventLoopBudgetMs` 0 (off)
 *   and the default.
 * A benchmark, not a test: it reports, it asserts nothing.
 *
 *   npx tsx bench/turn-budget.ts [--rounds 7] [--ms 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { TurnBudget } from '../core/lease/turn-budget.js';
import { createPool, type Pool } from '../index.js';
import { loadAverage, median } from './report.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '300' } },
});
const ROUNDS = Number(values.rounds);
const MS = Number(values.ms);

async function perSecond(body: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = performance.now() + MS;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) await body();
    n += 64;
  }
  return (n * 1000) / MS;
}

async function botPattern(pool: Pool): Promise<number> {
  let n = 0;
  const end = performance.now() + MS;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (performance.now() < end) {
        await pool.read((db) => db.get('SELECT xp FROM u WHERE id = ?', [1 + (n % 1000)]));
        n++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return (n * 1000) / MS;
}

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-turns-'));
const pools = [0, undefined].map((budget) =>
  createPool({ filename: join(dir, 'b.db'), ...(budget === undefined ? {} : { eventLoopBudgetMs: budget }) }),
);
await pools[1]!.write(async (db) => {
  await db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, xp INT)');
  for (let id = 1; id <= 1000; id++) await db.run('INSERT INTO u VALUES (?, 0)', [id]);
});
const turns = new TurnBudget(pools[1]!.options.eventLoopBudgetMs);
const cases: [string, () => Promise<number>, () => Promise<number>][] = [
  ['settle (ns each)', () => perSecond(() => Promise.resolve(1)), () => perSecond(() => turns.settle(1))],
  [
    'read loop (reads/s)',
    () => perSecond(() => pools[0]!.read((db) => db.get('SELECT xp FROM u WHERE id = 1'))),
    () => perSecond(() => pools[1]!.read((db) => db.get('SELECT xp FROM u WHERE id = 1'))),
  ],
  ['bot pattern (reads/s)', () => botPattern(pools[0]!), () => botPattern(pools[1]!)],
];
console.log(
  `turn-budget bench: ${ROUNDS} rounds of ${MS} ms, A budget off, B ${pools[1]!.options.eventLoopBudgetMs} ms; load ${loadAverage()}`,
);
for (const [name, a, b] of cases) {
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    as.push(await a());
    bs.push(await b());
  }
  const [ma, mb] = [median(as), median(bs)];
  const show = (x: number) =>
    name.startsWith('settle') ? `${(1e9 / x).toFixed(0)} ns` : `${Math.round(x)}/s`;
  console.log(
    `${name}: A ${show(ma)}, B ${show(mb)}, B/A ${((mb / ma - 1) * 100).toFixed(1)} % in throughput`,
  );
}
await Promise.all(pools.map((p) => p.close()));
rmSync(dir, { recursive: true, force: true });
console.log(`load at the end ${loadAverage()}`);
