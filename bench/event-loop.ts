/**
 * Read loops against the event loop (issue 29): 20 handlers each run `await pool.read(get)` in a
 * loop for `--duration` ms, while a 5 ms timer re-arms itself and 10 writers run transactions that
 * await a macrotask (`setImmediate`) between two statements. Prints, per mode, how late the timer
 * fired at most, the writers' transaction p95 and count, and the reads done. Each mode runs in a
 * process of its own. A benchmark, not a test: it reports, it asserts nothing. The targets: the
 * timer late by at most 20 ms, the writers' p95 within 50 ms.
 *
 *   npx tsx bench/event-loop.ts [--duration 1000] [--budget 2] [--modes inline,hybrid,threads] [--runs 1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPool } from '../index.js';
import { THREADS_OPTION, type Mode } from './bot-pattern.js';
import { loadAverage } from './report.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '1000' },
    budget: { type: 'string' },
    modes: { type: 'string', default: 'inline,hybrid,threads' },
    runs: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
});
const durationMs = Number(values.duration);
const USERS = 1000;

const p95 = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
};

async function run(mode: Mode): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roas-bench-loop-'));
  const pool = createPool({
    filename: join(dir, 'bench.db'),
    threads: THREADS_OPTION[mode],
    ...(values.budget === undefined ? {} : { eventLoopBudgetMs: Number(values.budget) }),
  });
  await pool.write(async (db) => {
    await db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, xp INT)');
    for (let id = 1; id <= USERS; id++) await db.run('INSERT INTO u VALUES (?, 0)', [id]);
  });
  const pick = () => 1 + Math.floor(Math.random() * USERS);
  await pool.read((db) => db.get('SELECT xp FROM u WHERE id = ?', [1]));
  const end = performance.now() + durationMs;
  let reads = 0;
  const readers = Array.from({ length: 20 }, async () => {
    while (performance.now() < end) {
      await pool.read((db) => db.get('SELECT xp FROM u WHERE id = ?', [pick()]));
      reads++;
    }
  });
  let late = 0;
  let fired = 0;
  const timer = new Promise<void>((resolve) => {
    const arm = (): void => {
      const at = performance.now();
      setTimeout(() => {
        late = Math.max(late, performance.now() - at - 5);
        fired++;
        if (performance.now() < end) arm();
        else resolve();
      }, 5);
    };
    arm();
  });
  const tx: number[] = [];
  const writers = Array.from({ length: 10 }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await pool.transaction(async (db) => {
        await db.run('UPDATE u SET xp = xp + 1 WHERE id = ?', [pick()]);
        await new Promise((resolve) => setImmediate(resolve));
        await db.run('UPDATE u SET xp = xp - 1 WHERE id = ?', [pick()]);
      });
      if (performance.now() <= end) tx.push(performance.now() - t0);
    }
  });
  await Promise.all([...readers, ...writers, timer]);
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
  const budget = pool.options.eventLoopBudgetMs;
  console.log(
    `${mode.padEnd(6)} budget ${budget} ms: timer late max ${late.toFixed(1)} ms (${fired} fired), ` +
      `writers' tx p95 ${p95(tx).toFixed(1)} ms (${tx.length} tx), ${reads} reads`,
  );
}

if (values.child !== undefined) {
  await run(values.child as Mode);
} else {
  console.log(`event-loop bench, ${durationMs} ms a run, load ${loadAverage()}`);
  const self = fileURLToPath(import.meta.url);
  const passed = process.argv.slice(2);
  for (let r = 0; r < Number(values.runs); r++)
    for (const mode of String(values.modes).split(',')) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, ...passed, '--child', mode]);
      process.stdout.write(out);
    }
}
