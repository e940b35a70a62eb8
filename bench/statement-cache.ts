/**
 * The statement cache of the SQLite driver under a bot's pattern: one hot point read, half of all
 * statements, among more distinct statements than the cache holds (a bot whose commands each build
 * their own SQL). Reports, per connection, how many times the hot statement and all statements were
 * prepared (cache misses), the statements run per second of CPU time, and the CPU cost of a cache
 * hit alone (one hot statement, nothing else).
 *
 * CPU time (process.cpuUsage: user + system), which a machine shared with other jobs disturbs far
 * less than wall time.
 *
 * Run: npx tsx bench/statement-cache.ts [statements] [distinct] [cacheSize]
 */
import type Database from 'better-sqlite3';
import { sqliteDriver } from '../adapters/drivers/sqlite/sqlite.js';
import type { DriverConnection } from '../core/driver.js';
import { tempDir } from '../test/helpers.js';

const statements = Number(process.argv[2] ?? 400_000);
const distinct = Number(process.argv[3] ?? 300);
const cacheSize = Number(process.argv[4] ?? 256);
const HOT = 'SELECT v FROM kv WHERE k = ?';

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

type Connection = DriverConnection & { raw: Database.Database; sync: NonNullable<DriverConnection['sync']> };

async function open(): Promise<{ conn: Connection; prepared: Map<string, number>; done(): void }> {
  const tmp = tempDir();
  const driver = sqliteDriver({ filename: tmp.file(), statementCacheSize: cacheSize });
  const conn = (await driver.open('writer')) as Connection;
  conn.raw.exec('CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)');
  conn.raw.exec(
    "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1000) INSERT INTO kv SELECT k, 'v' || k FROM n",
  );
  const prepared = new Map<string, number>();
  const prepare = conn.raw.prepare.bind(conn.raw);
  conn.raw.prepare = (sql: string) => {
    prepared.set(sql, (prepared.get(sql) ?? 0) + 1);
    return prepare(sql);
  };
  return {
    conn,
    prepared,
    done() {
      void conn.close();
      void driver.dispose?.();
      tmp.cleanup();
    },
  };
}

/**
 * `cycle`: the other statements in turn (each as rare as the next); `skewed`: drawn at random, the
 * first ones far more often (index = distinct * r^3), as a bot's commands are.
 */
async function botPattern(order: 'cycle' | 'skewed'): Promise<void> {
  const { conn, prepared, done } = await open();
  const cold = Array.from({ length: distinct }, (_, i) => `SELECT v FROM kv WHERE k = ? AND ${i} = ${i}`);
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const next = (i: number): number =>
    order === 'cycle' ? (i >> 1) % distinct : Math.floor(distinct * random() ** 3);
  const start = cpuNs();
  for (let i = 0; i < statements; i++) {
    const sql = i % 2 === 0 ? HOT : (cold[next(i)] as string);
    conn.sync.get(sql, [(i % 1000) + 1]);
  }
  const ns = cpuNs() - start;
  let misses = 0;
  for (const n of prepared.values()) misses += n;
  console.log(
    `bot pattern (${order}): ${statements} statements, half of them the hot one, ${distinct} others, cache ${cacheSize}:` +
      ` hot prepared ${prepared.get(HOT) ?? 0} times, ${misses} prepares in all,` +
      ` ${Math.round(statements / (ns / 1e9))} statements/s of CPU`,
  );
  done();
}

async function hitCost(): Promise<void> {
  const { conn, done } = await open();
  const n = statements;
  for (let i = 0; i < 10_000; i++) conn.sync.get(HOT, [1]);
  const start = cpuNs();
  for (let i = 0; i < n; i++) conn.sync.get(HOT, [(i % 1000) + 1]);
  const ns = (cpuNs() - start) / n;
  console.log(`hot statement alone (every call a cache hit): ${Math.round(ns)} ns of CPU a statement`);
  done();
}

await botPattern('cycle');
await botPattern('skewed');
await hitCost();
