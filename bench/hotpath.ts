/**
 * Every figure of the hot path (issue 25) in one process: point SELECT by primary key at 20 and 50
 * workers, uncontended acquire+release, awaiting write transactions (1 ms and microtask awaits),
 * and bytes allocated per read() (one worker, and 50) and retained per queued waiter. The pool
 * runs against its anchors (one shared better-sqlite3 connection, the ideal one-connection mutex,
 * the ideal pool of bench/ideal-pool.ts, tarn, generic-pool), alternating within each trial; each
 * ratio is the median of the trials' ratios.
 * A benchmark, not a test: it reports, it asserts nothing. Longer than most files: it is the one
 * place all of the issue's figures come from, so that they share one run and one load.
 *
 *   npx tsx bench/hotpath.ts [--duration 500] [--trials 5] [--threads] [--clock wall|cpu]
 *     [--rows reads,cycle,tx,memory,split]   (the rows to run; all but split by default)
 *
 * `split` parts a read's cost at 20 workers, against the shared connection in the same trials:
 * the statement on a lease held throughout (`lease.get`, no acquire nor release), and the same
 * lease's own better-sqlite3 statement (`lease.raw`): what the lease's statement path costs, and
 * what acquire and release add to it.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPool, type Pool } from '../index.js';
import { loadAverage, median } from './report.js';
import { IdealPool } from './ideal-pool.js';
import { peerPools } from './peers.js';
import { seedFile } from './seed.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '500' },
    trials: { type: 'string', default: '5' },
    threads: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
    clock: { type: 'string', default: 'wall' },
    rows: { type: 'string', default: 'reads,cycle,tx,memory' },
  },
});
const only = new Set(values.rows.split(','));
const durationMs = Number(values.duration);
// `--clock cpu` divides by the CPU time this process spent (all its threads), not the time that
// passed: on a machine other jobs load, that counts what the work cost, not what it waited for.
// The 1 ms-await transactions wait by design: they are always timed by the wall clock.
const cpuClock = values.clock === 'cpu';
/** Seconds on the chosen clock. */
const clock = (wall = !cpuClock): number => {
  if (wall) return performance.now() / 1000;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const trials = Number(values.trials);
const MAX = 20;
const ROWS = 10_000;
const SQL = 'SELECT id, name, points FROM users WHERE id = ?';
const UPDATE = 'UPDATE users SET points = points + 1 WHERE id = ?';
const INSERT = 'INSERT INTO log (user, at) VALUES (?, ?)';

function seed(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roas-bench-hot-'));
  const file = join(dir, 'bench.db');
  seedFile(file, {
    schema: `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, points INT NOT NULL DEFAULT 0);
      CREATE TABLE log (id INTEGER PRIMARY KEY, user INT, at REAL);`,
    insert: 'INSERT INTO users (name, points) VALUES (?, ?)',
    rows: ROWS,
    row: (i) => [`user${i - 1}`, i - 1],
  });
  return { dir, file };
}

function open(file: string) {
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return { db, stmt: db.prepare(SQL), update: db.prepare(UPDATE), insert: db.prepare(INSERT) };
}

type Op = (id: number) => Promise<unknown>;
interface Contender {
  name: string;
  read?: Op;
  cycle?: () => Promise<void>;
  tx?: (id: number, pause: () => Promise<unknown>) => Promise<void>;
}

function contenders(file: string, pool: Pool): { all: Contender[]; close(): Promise<void> } {
  const shared = open(file);
  const { tarn, generic } = peerPools(
    () => open(file),
    (c) => c.db.close(),
    MAX,
  );
  const ideal = new IdealPool(() => open(file).db, MAX - 1);
  let tail: Promise<void> = Promise.resolve();
  const all: Contender[] = [
    {
      name: 'roas-pool',
      read: (id) => pool.read((db) => db.get(SQL, [id])),
      cycle: async () => (await pool.acquire()).release(),
      tx: (id, pause) =>
        pool.transaction(async (tx) => {
          await tx.run(UPDATE, [id]);
          await pause();
          await tx.run(INSERT, [id, performance.now()]);
        }),
    },
    { name: 'shared connection', read: async (id) => shared.stmt.get(id) },
    // read()'s shape and nothing else (bench/ideal-pool.ts): the floor of any such pool's cost.
    { name: 'ideal pool', read: (id) => ideal.read((db) => db.get(SQL, [id])) },
    {
      // One connection, transactions taking turns in arrival order, nothing else.
      name: 'ideal mutex',
      tx: (id, pause) => {
        const run = tail.then(async () => {
          shared.db.exec('BEGIN IMMEDIATE');
          try {
            shared.update.run(id);
            await pause();
            shared.insert.run(id, performance.now());
            shared.db.exec('COMMIT');
          } catch (err) {
            if (shared.db.inTransaction) shared.db.exec('ROLLBACK');
            throw err;
          }
        });
        tail = run.catch(() => undefined);
        return run;
      },
    },
    {
      name: 'tarn',
      read: async (id) => {
        const c = await tarn.acquire().promise;
        try {
          return c.stmt.get(id);
        } finally {
          tarn.release(c);
        }
      },
      cycle: async () => void tarn.release(await tarn.acquire().promise),
    },
    {
      name: 'generic-pool',
      read: async (id) => {
        const c = await generic.acquire();
        try {
          return c.stmt.get(id);
        } finally {
          await generic.release(c);
        }
      },
      cycle: async () => void (await generic.release(await generic.acquire())),
    },
  ];
  const close = async (): Promise<void> => {
    await pool.close();
    shared.db.close();
    ideal.close();
    await tarn.destroy();
    await generic.drain();
    await generic.clear();
  };
  return { all, close };
}

/** Operations a second with `workers` loops, each awaiting one `op` at a time. */
async function rate(op: Op, workers: number, wall = !cpuClock): Promise<number> {
  let ops = 0;
  const start = clock(wall);
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let id = w;
      while (performance.now() < end) {
        await op((id = (id * 7919 + 1) % ROWS) + 1);
        ops++;
      }
    }),
  );
  return ops / (clock(wall) - start);
}

/** µs per acquire+release, one caller, a free connection every time. */
async function cycleMicros(cycle: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const start = clock();
  let n = 0;
  while (performance.now() - t0 < durationMs / 2) {
    for (let i = 0; i < 1000; i++) await cycle();
    n += 1000;
  }
  return ((clock() - start) * 1e6) / n;
}

/** Runs each named measurement once a trial, in alternating order; the medians and ratios. */
async function trialsOf(cells: Record<string, () => Promise<number>>): Promise<Record<string, number[]>> {
  const names = Object.keys(cells);
  for (const n of names) await (cells[n] as () => Promise<number>)(); // warm up: open, JIT
  const got: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let t = 0; t < trials; t++) {
    const order = t % 2 === 0 ? names : [...names].reverse();
    for (const n of order) (got[n] as number[]).push(await (cells[n] as () => Promise<number>)());
  }
  return got;
}

const rows: string[] = [];
/** One row of the table: the median of the per-trial ratios, and their range. */
function row(figure: string, num: number[], den: number[], note: string): void {
  const ratios = num.map((x, i) => x / (den[i] as number));
  const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  rows.push(`| ${figure} | ${median(ratios).toFixed(2)} (${range}) | ${note} |`);
}
const fmt = (xs: number[], digits = 0): string => median(xs).toFixed(digits);

/** The `split` rows: a read through the pool, on a lease held throughout, and raw on that lease. */
async function split(pool: Pool, shared: Contender, file: string): Promise<void> {
  // The held lease is another pool's: `pool` keeps the one reader the read rows find.
  const other = createPool({ filename: file, max: MAX });
  const lease = await other.acquire();
  const raw = (lease.raw as Database.Database).prepare(SQL);
  try {
    const r = await trialsOf({
      'read()': () => rate((id) => pool.read((db) => db.get(SQL, [id])), 20),
      'held lease.get': () => rate((id) => lease.get(SQL, [id]), 20),
      'held lease raw': () => rate(async (id) => raw.get(id), 20),
      shared: () => rate(shared.read as Op, 20),
    });
    const ops = (name: string): number[] => r[name] as number[];
    const note = `read() ${fmt(ops('read()'))} ops/s, lease.get ${fmt(ops('held lease.get'))}, raw ${fmt(ops('held lease raw'))}, shared ${fmt(ops('shared'))}`;
    row(
      'split: raw statement on a held lease / shared connection, 20 workers',
      ops('held lease raw'),
      ops('shared'),
      note,
    );
    row('split: lease.get on a held lease / shared connection', ops('held lease.get'), ops('shared'), '');
    row(
      'split: read() / lease.get on a held lease (acquire+release)',
      ops('read()'),
      ops('held lease.get'),
      '',
    );
  } finally {
    lease.release();
    await other.close();
  }
}
let sizing = '';

async function main(): Promise<void> {
  const { dir, file } = seed();
  const pool = createPool({ filename: file, max: MAX, ...(values.threads ? { threads: true } : {}) });
  const { all, close } = contenders(file, pool);
  const by = (name: string): Contender => all.find((c) => c.name === name) as Contender;
  const roas = by('roas-pool');
  try {
    for (const workers of only.has('reads') ? [20, 50] : []) {
      const reads: Record<string, () => Promise<number>> = {};
      for (const c of all) if (c.read) reads[c.name] = () => rate(c.read as Op, workers);
      const r = await trialsOf(reads);
      const best = (r['tarn'] as number[]).map((x, i) =>
        Math.max(x, (r['generic-pool'] as number[])[i] as number),
      );
      const note = `roas ${fmt(r['roas-pool'] as number[])} ops/s, shared ${fmt(r['shared connection'] as number[])}, ideal pool ${fmt(r['ideal pool'] as number[])}, tarn ${fmt(r['tarn'] as number[])}, generic-pool ${fmt(r['generic-pool'] as number[])}`;
      row(
        `read() / one shared connection, ${workers} workers`,
        r['roas-pool'] as number[],
        r['shared connection'] as number[],
        note,
      );
      row(`read() / best peer pool, ${workers} workers`, r['roas-pool'] as number[], best, '');
      row(
        `ideal pool / one shared connection, ${workers} workers`,
        r['ideal pool'] as number[],
        r['shared connection'] as number[],
        '',
      );
      row(
        `read() / ideal pool, ${workers} workers`,
        r['roas-pool'] as number[],
        r['ideal pool'] as number[],
        '',
      );
    }
    if (only.has('split')) await split(pool, by('shared connection'), file);
    const opened = pool.stats().created;
    const cycles: Record<string, () => Promise<number>> = {};
    for (const c of all) if (c.cycle) cycles[c.name] = () => cycleMicros(c.cycle as () => Promise<void>);
    const cy = only.has('cycle') ? await trialsOf(cycles) : undefined;
    if (cy)
      row(
        'acquire+release, uncontended / generic-pool (time)',
        cy['roas-pool'] as number[],
        cy['generic-pool'] as number[],
        `roas ${fmt(cy['roas-pool'] as number[], 2)} µs, generic-pool ${fmt(cy['generic-pool'] as number[], 2)} µs, tarn ${fmt(cy['tarn'] as number[], 2)} µs`,
      );
    const pauses: Record<string, () => Promise<unknown>> = {
      '1 ms': () => sleep(1),
      microtask: async () => null,
    };
    for (const [label, pause] of only.has('tx') ? Object.entries(pauses) : []) {
      const txs: Record<string, () => Promise<number>> = {};
      const wall = label === '1 ms' || !cpuClock;
      for (const c of [roas, by('ideal mutex')])
        txs[c.name] = () => rate((id) => (c.tx as NonNullable<Contender['tx']>)(id % 1000, pause), 20, wall);
      const t = await trialsOf(txs);
      row(
        `write transactions, ${label} await / ideal mutex`,
        t['roas-pool'] as number[],
        t['ideal mutex'] as number[],
        `roas ${fmt(t['roas-pool'] as number[])} tx/s, ideal ${fmt(t['ideal mutex'] as number[])} tx/s`,
      );
    }
    // Reader sizing by need: what a burst of reads on a fresh pool opens.
    const fresh = createPool({ filename: file, max: MAX, ...(values.threads ? { threads: true } : {}) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => fresh.read((db) => db.get(SQL, [i + 1]))));
    const burst = fresh.stats().created;
    await fresh.close();
    sizing = `connections opened: ${opened} by the read runs (20 and 50 workers), ${burst} by 50 reads at once on a fresh pool`;
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `node ${process.version}, ${values.threads ? 'threads: true' : 'inline'}, max ${MAX}, ${trials} trials of ${durationMs} ms, ${cpuClock ? 'CPU' : 'wall'} clock, load ${loadAverage()}`,
  );
  console.log('| figure | median ratio (range) | medians |\n| --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(sizing);
  if (!only.has('memory')) return console.log(`load after: ${loadAverage()}`);
  // Bytes are counted in a child with a young generation large enough that no scavenge runs
  // while it counts: allocated bytes are then the heap's growth.
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      '--expose-gc',
      '--max-semi-space-size=256',
      '--min-semi-space-size=256',
      fileURLToPath(import.meta.url),
      '--memory',
    ],
    { encoding: 'utf8' },
  );
  process.stdout.write(child.stdout + child.stderr);
  console.log(`load after: ${loadAverage()}`);
}

/** Bytes allocated per read() (and per shared-connection read), and retained per queued waiter. */
async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  let collections = 0;
  new PerformanceObserver((list) => {
    // Our own gc() calls are major collections; a scavenge is the one that would hide bytes.
    for (const e of list.getEntries())
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
        collections++;
  }).observe({
    entryTypes: ['gc'],
  });
  const { dir, file } = seed();
  const pool = createPool({
    filename: file,
    max: MAX,
    maxWaiting: 20_000,
    ...(values.threads ? { threads: true } : {}),
  });
  const shared = open(file);
  const N = 20_000;
  /** `workers` loops of N / workers ops each. */
  const loops = async (op: Op, workers: number): Promise<void> => {
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = w; i < N; i += workers) await op((i % ROWS) + 1);
      }),
    );
  };
  const perOp = async (op: Op, workers = 1): Promise<number> => {
    for (let i = 0; i < 2000; i++) await op((i % ROWS) + 1); // warm up
    await loops(op, workers);
    const results: number[] = [];
    for (let t = 0; t < trials; t++) {
      gc();
      await new Promise(setImmediate); // the observer hears of that collection first
      const scavenges = collections;
      const before = process.memoryUsage().heapUsed;
      await loops(op, workers);
      const after = process.memoryUsage().heapUsed;
      await new Promise(setImmediate);
      // A collection while counting would hide what it freed: such a trial counts nothing.
      if (collections === scavenges) results.push((after - before) / N);
    }
    if (results.length === 0) return NaN;
    return median(results);
  };
  const read = await perOp((id) => pool.read((db) => db.get(SQL, [id])));
  const sharedRead = await perOp(async (id) => shared.stmt.get(id));
  const readAt50 = await perOp((id) => pool.read((db) => db.get(SQL, [id])), 50);
  const sharedAt50 = await perOp(async (id) => shared.stmt.get(id), 50);
  // Waiters: every reader held (the write lane takes one of `max`), then K acquires queue; their
  // retained heap, after a full GC.
  const held = await Promise.all(Array.from({ length: MAX - 1 }, () => pool.acquire()));
  const K = 10_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const waiting = Array.from({ length: K }, () => pool.acquire());
  gc();
  const perWaiter = (process.memoryUsage().heapUsed - before) / K;
  const served = waiting.map((w) => w.then((lease) => lease.release()));
  for (const lease of held) lease.release();
  await Promise.all(served);
  await pool.close();
  shared.db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `bytes allocated per read(): ${read.toFixed(0)} (shared connection's read: ${sharedRead.toFixed(0)}); at 50 workers: ${readAt50.toFixed(0)} (shared: ${sharedAt50.toFixed(0)}); bytes retained per queued waiter: ${perWaiter.toFixed(0)}`,
  );
}

await (values.memory ? memory() : main());
