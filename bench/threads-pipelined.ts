/**
 * Every connection in a worker thread (`threads: 'all'`) against inline mode, with statements
 * pipelined on a few leases: not the bot's pattern (bench/threads.ts measures that), but the most
 * a lease can push through a thread. Not a test: prints figures for docs/threads.md.
 *
 *   npx tsx bench/threads-pipelined.ts [--rows 200000] [--heavy 40] [--points 200000] [--window 64] [--many 32]
 *
 * 1. Heavy aggregate reads from 2 concurrent callers, 2 reader connections: throughput per mode.
 * 2. Event-loop delay p99 (perf_hooks.monitorEventLoopDelay) while those reads run.
 * 3. Point queries (`SELECT ... WHERE id = ?`), pipelined: `--window` in flight per read lease,
 *    one `get` each, then `--many` to a `getMany` call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { type Pool } from '../core/pool.js';
import { createPool } from '../create-pool.js';
import { loadAverage } from './report.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROWS = arg('rows', 200_000);
const HEAVY = arg('heavy', 40);
const POINTS = arg('points', 200_000);
const WINDOW = arg('window', 64);
const MANY = arg('many', 32);
const CALLERS = 2;
const HEAVY_SQL =
  'SELECT guild, COUNT(*) AS n, SUM(points) AS total, AVG(length(user)) AS len FROM xp GROUP BY guild ORDER BY total DESC';
const POINT_SQL = 'SELECT user, points FROM xp WHERE id = ?';

async function seed(filename: string): Promise<void> {
  const pool = createPool({ filename, max: 2 });
  await pool.transaction(async (tx) => {
    await tx.exec('CREATE TABLE xp (id INTEGER PRIMARY KEY, guild INTEGER, user TEXT, points INTEGER)');
    for (let i = 1; i <= ROWS; i++) {
      await tx.run('INSERT INTO xp (guild, user, points) VALUES (?, ?, ?)', [
        i % 97,
        `user${i}`,
        (i * 7919) % 1000,
      ]);
    }
  });
  await pool.close();
}

/** Wall time, and CPU time of the whole process (every thread), since the call. */
function clock(): () => { seconds: number; cpuSeconds: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  };
}

interface Rate {
  qps: number;
  /** Process CPU (all threads) per query, µs: the load-independent cost. */
  cpuUs: number;
}

function rate(n: number, t: { seconds: number; cpuSeconds: number }): Rate {
  return { qps: n / t.seconds, cpuUs: (t.cpuSeconds / n) * 1e6 };
}

/** Opens both readers up front so worker start-up is not measured. */
async function warm(pool: Pool): Promise<void> {
  await Promise.all(Array.from({ length: CALLERS }, () => pool.read((db) => db.get(HEAVY_SQL))));
}

async function heavy(pool: Pool): Promise<Rate & { p99Ms: number; maxMs: number }> {
  await warm(pool);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let next = 0;
  const stop = clock();
  histogram.enable();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next++ < HEAVY) {
        await pool.read((db) => db.all(HEAVY_SQL));
        // A bot's queries come from separate events: let the loop turn between them, as it would.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  histogram.disable();
  return { ...rate(HEAVY, stop()), p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

async function points(pool: Pool): Promise<Rate> {
  await warm(pool);
  let next = 0;
  const stop = clock();
  await Promise.all(
    Array.from({ length: CALLERS }, () =>
      pool.read(async (db) => {
        const lane = async (): Promise<void> => {
          while (next < POINTS) await db.get(POINT_SQL, [(next++ % ROWS) + 1]);
        };
        await Promise.all(Array.from({ length: WINDOW }, lane));
      }),
    ),
  );
  return rate(POINTS, stop());
}

/** The same point queries, `MANY` to a `getMany` call, `WINDOW / MANY` calls in flight per lease. */
async function pointsMany(pool: Pool): Promise<Rate> {
  let next = 0;
  const stop = clock();
  await Promise.all(
    Array.from({ length: CALLERS }, () =>
      pool.read(async (db) => {
        const lane = async (): Promise<void> => {
          while (next < POINTS) {
            const ids = Array.from({ length: MANY }, () => [(next++ % ROWS) + 1]);
            await db.getMany(POINT_SQL, ids);
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, WINDOW / MANY) }, lane));
      }),
    ),
  );
  return rate(POINTS, stop());
}

/** One point query at a time: the cost of a round trip. */
async function roundTrip(pool: Pool, n = 5000): Promise<number> {
  const samples: number[] = [];
  await pool.read(async (db) => {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await db.get(POINT_SQL, [(i % ROWS) + 1]);
      samples.push(performance.now() - t0);
    }
  });
  samples.sort((a, b) => a - b);
  return (samples[Math.floor(n / 2)] as number) * 1000;
}

async function measure(filename: string, threads: boolean) {
  const make = (): Pool => createPool({ filename, threads: threads && 'all', max: CALLERS + 1 });
  let pool = make();
  const h = await heavy(pool);
  await pool.close();
  pool = make();
  const p = await points(pool);
  const many = await pointsMany(pool);
  const rtUs = await roundTrip(pool);
  await pool.close();
  return { heavy: h, point: p, many, roundTripP50Us: rtUs };
}

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-threads-'));
const filename = join(dir, 'bench.db');
await seed(filename);
console.log(`load average ${loadAverage()} (the machine may be shared)`);
console.log(
  `node ${process.version}, ${cpus().length} cpus, ${ROWS} rows, ${HEAVY} heavy reads, ${POINTS} points`,
);
const inline = await measure(filename, false);
const threads = await measure(filename, true);
const row = (a: number, b: number, d = 1): { inline: string; threads: string } => ({
  inline: a.toFixed(d),
  threads: b.toFixed(d),
});
console.table({
  'heavy reads/s': row(inline.heavy.qps, threads.heavy.qps),
  'heavy read, process CPU ms each': row(inline.heavy.cpuUs / 1000, threads.heavy.cpuUs / 1000),
  'event-loop delay p99 (ms)': row(inline.heavy.p99Ms, threads.heavy.p99Ms),
  'event-loop delay max (ms)': row(inline.heavy.maxMs, threads.heavy.maxMs),
  [`point queries/s (get, ${WINDOW} in flight x ${CALLERS} leases)`]: row(
    inline.point.qps,
    threads.point.qps,
    0,
  ),
  'point query (get), process CPU µs each': row(inline.point.cpuUs, threads.point.cpuUs),
  [`point queries/s (getMany of ${MANY}, ${WINDOW} in flight x ${CALLERS})`]: row(
    inline.many.qps,
    threads.many.qps,
    0,
  ),
  'point query (getMany), process CPU µs each': row(inline.many.cpuUs, threads.many.cpuUs),
  'point query round trip p50 (µs)': row(inline.roundTripP50Us, threads.roundTripP50Us),
});
console.log(`heavy-read throughput, threads / inline: ${(threads.heavy.qps / inline.heavy.qps).toFixed(2)}x`);
console.log(`load average at the end ${loadAverage()}`);
rmSync(dir, { recursive: true, force: true });
