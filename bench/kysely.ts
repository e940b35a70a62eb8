/**
 * Kysely's own SqliteDialect against Kysely over roas-pool, on a real SQLite file.
 *
 *   npx tsx bench/kysely.ts [--seconds 5] [--workers 20] [--transactions 50] [--awaitMs 1]
 *
 * Scenario 1: N concurrent transactions that await `awaitMs` between statements (read points,
 * await, write points + 1, await, log), while one reader loop reads a profile over and over.
 * Scenario 2: the bot mix at W workers for S seconds: 45% profile read, 25% leaderboard, 25% XP
 * award, 5% transaction (award, await, log).
 * Contenders: one SqliteDialect shared by all (Kysely's single connection behind a mutex), one
 * SqliteDialect per worker (separate connections, better-sqlite3 busy timeout 50 ms), and
 * RoasPoolDialect over one pool (max 20).
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { type Pool } from '../core/pool.js';
import { createPool } from '../create-pool.js';
import { RoasPoolDialect } from '../adapters/faces/kysely.js';
import { BOT_SCHEMA } from '../test/bot-fixture.js';
import { percentile } from './report.js';

interface BotTables {
  xp: { user_id: string; points: number; level: number };
  profiles: { user_id: string; name: string; bio: string | null };
  xp_log: { id?: number; user_id: string; delta: number };
}
type Db = Kysely<BotTables>;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '20' },
    transactions: { type: 'string', default: '50' },
    awaitMs: { type: 'string', default: '1' },
  },
});
const SECONDS = Number(args.seconds);
const WORKERS = Number(args.workers);
const TRANSACTIONS = Number(args.transactions);
const AWAIT_MS = Number(args.awaitMs);
const USERS = 1000;

/** A contender hands each worker a Kysely instance and cleans up after. */
interface Contender {
  name: string;
  open(filename: string): { dbFor(worker: number): Db; close(): Promise<void> };
}

function sqliteDatabase(filename: string, timeout: number): Database.Database {
  const db = new Database(filename, { timeout });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

const contenders: Contender[] = [
  {
    name: 'Kysely SqliteDialect, one shared connection',
    open(filename) {
      const db = new Kysely<BotTables>({
        dialect: new SqliteDialect({ database: sqliteDatabase(filename, 5000) }),
      });
      return { dbFor: () => db, close: () => db.destroy() };
    },
  },
  {
    name: 'Kysely SqliteDialect, a connection per worker',
    open(filename) {
      const dbs = new Map<number, Db>();
      const dbFor = (worker: number): Db => {
        let db = dbs.get(worker);
        if (!db) {
          db = new Kysely<BotTables>({
            dialect: new SqliteDialect({ database: sqliteDatabase(filename, 50) }),
          });
          dbs.set(worker, db);
        }
        return db;
      };
      return {
        dbFor,
        close: async () => void (await Promise.all([...dbs.values()].map((db) => db.destroy()))),
      };
    },
  },
  {
    name: 'Kysely over roas-pool',
    open(filename) {
      const pool: Pool = createPool({ filename, max: 20 });
      const db = new Kysely<BotTables>({ dialect: new RoasPoolDialect({ pool, closePoolOnDestroy: true }) });
      return { dbFor: () => db, close: () => db.destroy() };
    },
  },
];

function seed(filename: string): void {
  const db = sqliteDatabase(filename, 5000);
  db.exec(BOT_SCHEMA);
  const profile = db.prepare('INSERT INTO profiles (user_id, name) VALUES (?, ?)');
  const xp = db.prepare('INSERT INTO xp (user_id, points) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < USERS; i++) {
      profile.run(`u${i}`, `User ${i}`);
      xp.run(`u${i}`, i);
    }
  })();
  db.close();
}

const user = (): string => `u${Math.floor(Math.random() * USERS)}`;

const readProfile = (db: Db, id: string) =>
  db
    .selectFrom('profiles')
    .innerJoin('xp', 'xp.user_id', 'profiles.user_id')
    .select(['profiles.name', 'xp.points', 'xp.level'])
    .where('profiles.user_id', '=', id)
    .executeTakeFirst();

const leaderboard = (db: Db) =>
  db.selectFrom('xp').select(['user_id', 'points']).orderBy('points', 'desc').limit(10).execute();

const awardXp = (db: Db, id: string, delta: number) =>
  db
    .updateTable('xp')
    .set((eb) => ({ points: eb('points', '+', delta) }))
    .where('user_id', '=', id)
    .execute();

/** Read, await, write, await, log: the transaction a bot writes when it awaits an API between steps. */
const awaitingTransaction = (db: Db, id: string) =>
  db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('xp')
      .select('points')
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow();
    await delay(AWAIT_MS);
    await trx
      .updateTable('xp')
      .set({ points: row.points + 1 })
      .where('user_id', '=', id)
      .execute();
    await delay(AWAIT_MS);
    await trx.insertInto('xp_log').values({ user_id: id, delta: 1 }).execute();
  });

function errorName(err: unknown): string {
  const e = err as { code?: string; name?: string };
  return e.code ?? e.name ?? 'unknown';
}

/**
 * Each operation starts on a fresh event-loop turn, as a bot's handlers do (one per incoming
 * message); otherwise a loop of synchronous SQLite calls chained by microtasks starves the timers.
 */
async function timed(latencies: number[], errors: Map<string, number>, fn: () => Promise<unknown>) {
  await new Promise((resolve) => setImmediate(resolve));
  const start = performance.now();
  try {
    await fn();
    latencies.push(performance.now() - start);
  } catch (err) {
    errors.set(errorName(err), (errors.get(errorName(err)) ?? 0) + 1);
  }
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const errs = (errors: Map<string, number>): string =>
  errors.size === 0 ? '0' : [...errors].map(([code, n]) => `${n} ${code}`).join(', ');

async function transactions(contender: Contender, filename: string): Promise<string> {
  const { dbFor, close } = contender.open(filename);
  const id = 'u1';
  const before = (
    await dbFor(0).selectFrom('xp').select('points').where('user_id', '=', id).executeTakeFirstOrThrow()
  ).points;
  const errors = new Map<string, number>();
  const txLatencies: number[] = [];
  const readLatencies: number[] = [];
  await readProfile(dbFor(TRANSACTIONS), user()); // the reader's connection opens before the clock starts
  let running = true;
  const reader = (async () => {
    while (running) await timed(readLatencies, new Map(), () => readProfile(dbFor(TRANSACTIONS), user()));
  })();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: TRANSACTIONS }, (_, i) =>
      timed(txLatencies, errors, () => awaitingTransaction(dbFor(i), id)),
    ),
  );
  const elapsedMs = performance.now() - start;
  running = false;
  await reader;
  const after = (
    await dbFor(0).selectFrom('xp').select('points').where('user_id', '=', id).executeTakeFirstOrThrow()
  ).points;
  await close();
  readLatencies.sort((a, b) => a - b);
  const lost = txLatencies.length - (after - before);
  return `| ${contender.name} | ${txLatencies.length}/${TRANSACTIONS} | ${errs(errors)} | ${lost} | ${fmt(elapsedMs, 0)} | ${readLatencies.length} | ${fmt(percentile(readLatencies, 50), 2)} | ${fmt(percentile(readLatencies, 95), 2)} |`;
}

async function botMix(contender: Contender, filename: string): Promise<string> {
  const { dbFor, close } = contender.open(filename);
  const errors = new Map<string, number>();
  const reads: number[] = [];
  const writes: number[] = [];
  // Every worker's connection (and the pool's readers) opens before the clock starts.
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => readProfile(dbFor(w), user())));
  const deadline = performance.now() + SECONDS * 1000;
  const worker = async (w: number) => {
    const db = dbFor(w);
    while (performance.now() < deadline) {
      const r = Math.random();
      if (r < 0.45) await timed(reads, errors, () => readProfile(db, user()));
      else if (r < 0.7) await timed(reads, errors, () => leaderboard(db));
      else if (r < 0.95) await timed(writes, errors, () => awardXp(db, user(), 1));
      else await timed(writes, errors, () => awaitingTransaction(db, user()));
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const elapsedS = (performance.now() - start) / 1000;
  await close();
  reads.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  const ok = reads.length + writes.length;
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  const rate = ok + failed === 0 ? 0 : (100 * failed) / (ok + failed);
  return `| ${contender.name} | ${fmt(ok / elapsedS, 0)} | ${errs(errors)} (${fmt(rate, 2)}%) | ${fmt(percentile(reads, 50), 2)} | ${fmt(percentile(reads, 95), 2)} | ${fmt(percentile(writes, 50), 2)} | ${fmt(percentile(writes, 95), 2)} |`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roas-bench-kysely-'));
  try {
    console.log(
      `Node ${process.version}, ${TRANSACTIONS} transactions awaiting ${AWAIT_MS} ms twice; bot mix: ${WORKERS} workers x ${SECONDS} s\n`,
    );
    console.log(
      `### ${TRANSACTIONS} concurrent transactions that await between statements, one reader alongside\n`,
    );
    console.log(
      '| contender | committed | errors | lost updates | wall ms | reads done | read p50 ms | read p95 ms |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [i, contender] of contenders.entries()) {
      const filename = join(dir, `tx-${i}.db`);
      seed(filename);
      console.log(await transactions(contender, filename));
    }
    console.log(`\n### Bot mix, ${WORKERS} workers, ${SECONDS} s\n`);
    console.log('| contender | ops/s | errors | read p50 ms | read p95 ms | write p50 ms | write p95 ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [i, contender] of contenders.entries()) {
      const filename = join(dir, `mix-${i}.db`);
      seed(filename);
      console.log(await botMix(contender, filename));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
