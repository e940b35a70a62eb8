/**
 * Awaiting write transactions: roas-pool's `pool.transaction()` against the ideal one-connection
 * mutex (one better-sqlite3 connection, a FIFO promise chain, BEGIN IMMEDIATE ... COMMIT around
 * the same statements), alternating trials in one process, medians. Each worker's transaction is
 * an UPDATE, an await, then an INSERT; the await is a microtask (`await null`, the cheapest a
 * bot's `await` can be) or a 1 ms timer. A benchmark, not a test: it reports, it asserts nothing.
 *
 *   npx tsx bench/transactions.ts [--duration 1000] [--trials 5] [--workers 20]
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createPool } from '../index.js';
import { loadAverage, median } from './report.js';
import { seedWriteWorkload } from './write-workload.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '1000' },
    trials: { type: 'string', default: '5' },
    workers: { type: 'string', default: '20' },
  },
});
const durationMs = Number(values.duration);
const trials = Number(values.trials);
const workers = Number(values.workers);
const UPDATE = 'UPDATE users SET points = points + 1 WHERE id = ?';
const INSERT = 'INSERT INTO log (user, at) VALUES (?, ?)';

type Pause = () => Promise<unknown>;
const pauses: Record<string, Pause> = {
  microtask: async () => null,
  '1 ms': () => sleep(1),
};

interface Contender {
  name: string;
  tx(id: number, pause: Pause): Promise<void>;
  close(): Promise<void>;
}

/** The ideal mutex: one connection, transactions taking turns in arrival order, nothing else. */
function idealMutex(file: string): Contender {
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const update = db.prepare(UPDATE);
  const insert = db.prepare(INSERT);
  let tail: Promise<void> = Promise.resolve();
  return {
    name: 'ideal mutex',
    tx: (id, pause) => {
      const run = tail.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          update.run(id);
          await pause();
          insert.run(id, performance.now());
          db.exec('COMMIT');
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      });
      tail = run.catch(() => undefined);
      return run;
    },
    close: async () => void db.close(),
  };
}

function roasPool(file: string): Contender {
  const pool = createPool({ filename: file });
  return {
    name: 'roas-pool',
    tx: (id, pause) =>
      pool.transaction(async (tx) => {
        await tx.run(UPDATE, [id]);
        await pause();
        await tx.run(INSERT, [id, performance.now()]);
      }),
    close: () => pool.close(),
  };
}

async function rate(c: Contender, pause: Pause): Promise<number> {
  let done = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let id = w;
      while (performance.now() < end) {
        await c.tx((id = (id * 7919 + 1) % 1000) + 1, pause);
        done++;
      }
    }),
  );
  return done / (durationMs / 1000);
}

const { dir, file } = seedWriteWorkload('roas-bench-tx-');

const contenders = [idealMutex(file), roasPool(file)];
console.log(
  `node ${process.version}, ${workers} workers, ${trials} trials of ${durationMs} ms, load ${loadAverage()}`,
);
console.log(
  '| await | ideal mutex tx/s | roas-pool tx/s | roas-pool / ideal mutex |\n| --- | --- | --- | --- |',
);
try {
  for (const [label, pause] of Object.entries(pauses)) {
    for (const c of contenders) await rate(c, pause); // warm up: open, JIT
    const ratios: number[] = [];
    const per: Record<string, number[]> = {};
    for (let t = 0; t < trials; t++) {
      // Alternate the order, so a drift in the machine's speed falls on both alike.
      const order = t % 2 === 0 ? contenders : [...contenders].reverse();
      const got: Record<string, number> = {};
      for (const c of order) got[c.name] = await rate(c, pause);
      for (const [k, v] of Object.entries(got)) (per[k] ??= []).push(v);
      ratios.push((got['roas-pool'] as number) / (got['ideal mutex'] as number));
    }
    const m = (k: string): number => Math.round(median(per[k] ?? []));
    console.log(
      `| ${label} | ${m('ideal mutex')} | ${m('roas-pool')} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`,
    );
  }
} finally {
  for (const c of contenders) await c.close();
  rmSync(dir, { recursive: true, force: true });
}
