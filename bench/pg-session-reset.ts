/**
 * What a clean session costs a lease on PostgreSQL: leases that leave nothing behind (no reset),
 * leases that run a `SET` (the driver resets the session on release), and, for comparison, leases
 * that end with `DISCARD ALL` as a pool that reset every session would. 8 workers, one statement
 * a lease, medians of `--runs` runs; plus the cost of the statement check itself. A benchmark:
 * it reports, it asserts nothing.
 *
 *   npx tsx bench/pg-session-reset.ts [--leases 4000] [--runs 5]
 *
 * PostgreSQL: `DATABASE_URL`, or else a throwaway server started for the run (scripts/pg-server.ts).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPool, type Lease } from '../index.js';
import { postgresDriver } from '../adapters/drivers/postgres/postgres.js';
import { changesSession } from '../adapters/drivers/postgres/session-state.js';
import { startPostgresServer } from '../scripts/pg-server.js';
import { median } from './report.js';

const { values } = parseArgs({
  options: { leases: { type: 'string', default: '4000' }, runs: { type: 'string', default: '5' } },
});
const LEASES = Number(values.leases);
const RUNS = Number(values.runs);
const WORKERS = 8;

const KINDS: Record<string, (db: Lease) => Promise<unknown>> = {
  'clean lease (SELECT 1)': (db) => db.get('SELECT 1'),
  'lease with a SET (reset on release)': (db) => db.exec("SET application_name = 'bench'"),
  'lease + DISCARD ALL (reset always)': async (db) => {
    await db.get('SELECT 1');
    await db.exec('DISCARD ALL');
  },
};

const server = process.env.DATABASE_URL ? undefined : await startPostgresServer();
const url = process.env.DATABASE_URL ?? server?.url;
const pool = createPool({ driver: postgresDriver({ connectionString: url }), max: WORKERS });
const rates: Record<string, number[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [name, work] of Object.entries(KINDS)) {
    let left = LEASES;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (left-- > 0) await pool.write(work);
      }),
    );
    (rates[name] ??= []).push(LEASES / ((performance.now() - start) / 1000));
  }
}
await pool.close();
await server?.stop();
for (const [name, r] of Object.entries(rates))
  console.log(
    `${name.padEnd(40)} ${Math.round(median(r)).toString().padStart(7)} leases/s (median of ${RUNS})`,
  );
const sql = 'SELECT points FROM xp WHERE user_id = $1';
const n = 1_000_000;
const t = performance.now();
for (let i = 0; i < n; i++) changesSession(sql);
console.log(`changesSession() on a point read: ${(((performance.now() - t) * 1e6) / n).toFixed(0)} ns`);
