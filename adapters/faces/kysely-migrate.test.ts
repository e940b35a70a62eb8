import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kysely, SqliteAdapter, type DialectAdapter } from 'kysely';
import { createPool, type Pool } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { RUNS_TABLE, migrateToLatest, runsByName } from '../../test/kysely-migrations.js';
import { RoasPoolDialect } from './kysely.js';

/**
 * Leases granted and not yet given back. Exact, unlike `stats().leased`, which also counts a
 * reader the pool is still opening (slow for a worker thread on a busy machine).
 */
function outstanding(pool: Pool): number {
  const { acquired, released } = pool.stats();
  return acquired - released;
}

const ONCE = { '001_badges': 1, '002_badge_table': 1, '003_badge_index': 1 };

async function migrationDb(threads = false) {
  const files = tempDir('roas-migrate-');
  // Each worker thread loads the TypeScript sources as it starts: on a busy machine that is slow.
  const pool = createPool({ filename: files.file(), threads, max: 4, acquireTimeoutMs: 120_000 });
  await pool.write((db) => db.exec(RUNS_TABLE));
  const db = new Kysely({ dialect: new RoasPoolDialect({ pool }) });
  return {
    pool,
    db,
    filename: files.file(),
    cleanup: async () => {
      await pool.close();
      files.cleanup();
    },
  };
}

for (const threads of [false, true]) {
  const mode = threads ? 'on worker threads' : 'inline';

  test(`20 concurrent migrateToLatest() calls run each migration once (${mode})`, async (t) => {
    const { db, pool, cleanup } = await migrationDb(threads);
    const results = await Promise.all(Array.from({ length: 20 }, () => migrateToLatest(db)));
    t.deepEqual(
      results.map((r) => r.error),
      Array.from({ length: 20 }, () => undefined),
    );
    t.deepEqual(await runsByName(db), ONCE);
    // Exactly one caller ran the three migrations; the others found nothing to do.
    t.deepEqual(results.map((r) => r.results?.length ?? 0).sort(), [...(Array(19).fill(0) as number[]), 3]);
    t.is(outstanding(pool), 0);
    await cleanup();
  });
}

test("with Kysely's own SqliteAdapter lock, concurrent callers on a pool run migrations again", async (t) => {
  // The contrast that shows the test above can fail: SqliteAdapter's lock does nothing, which is
  // right for one connection and wrong for a pool.
  class NoLockDialect extends RoasPoolDialect {
    override createAdapter(): DialectAdapter {
      return new SqliteAdapter();
    }
  }
  const files = tempDir('roas-migrate-');
  const pool = createPool({ filename: files.file() });
  await pool.write((db) => db.exec(RUNS_TABLE));
  const db = new Kysely({ dialect: new NoLockDialect({ pool }) });
  const results = await Promise.all(Array.from({ length: 20 }, () => migrateToLatest(db)));
  const runs = Object.values(await runsByName(db)).reduce((a, b) => a + b, 0);
  t.true(runs > 3, `ran ${runs} migrations`);
  t.true(results.some((r) => r.error !== undefined));
  await pool.close();
  files.cleanup();
});

test('a migration lock is released (committed) after a failed migration, keeping the ones before it', async (t) => {
  const { db, pool, cleanup } = await migrationDb();
  // The second migration creates `badge`: make it fail by creating the table first.
  await pool.write((lease) => lease.exec('CREATE TABLE badge (name TEXT)'));
  const result = await migrateToLatest(db);
  t.truthy(result.error);
  t.deepEqual(
    result.results?.map((r) => r.status),
    ['Success', 'Error', 'NotExecuted'],
  );
  t.deepEqual(await runsByName(db), { '001_badges': 1, '002_badge_table': 1 });
  // The write lane is free again: the lock's transaction ended.
  t.is(outstanding(pool), 0);
  await pool.write((lease) => lease.exec('DROP TABLE badge'));
  t.is((await migrateToLatest(db)).error, undefined);
  t.deepEqual(await runsByName(db), { '001_badges': 1, '002_badge_table': 2, '003_badge_index': 1 });
  await cleanup();
});

function migrator(file: string, callers: number): ChildProcess {
  const script = fileURLToPath(new URL('../../test/fixtures/kysely-migrator.ts', import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', script, file, String(callers)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

function lines(proc: ChildProcess): AsyncIterator<string> {
  let buffered = '';
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    queue.push(...parts);
    wake?.();
  });
  proc.stdout?.on('end', () => wake?.());
  return {
    async next() {
      while (queue.length === 0 && proc.exitCode === null) await new Promise<void>((r) => (wake = r));
      const value = queue.shift();
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
  };
}

test('migrateToLatest() from three processes on one file runs each migration once', async (t) => {
  const { db, filename, cleanup } = await migrationDb();
  const children = [migrator(filename, 10), migrator(filename, 10)];
  const outputs = children.map(lines);
  for (const out of outputs) t.is((await out.next()).value, 'opened');
  for (const child of children) child.stdin?.end('go\n');
  const mine = await Promise.all(Array.from({ length: 10 }, () => migrateToLatest(db)));
  const theirs = await Promise.all(
    outputs.map(async (out) => JSON.parse((await out.next()).value as string) as unknown),
  );
  t.deepEqual(
    mine.map((r) => r.error),
    Array(10).fill(undefined),
  );
  t.deepEqual(theirs, [{ errors: [] }, { errors: [] }]);
  t.deepEqual(await runsByName(db), ONCE);
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)),
    ),
  );
  await cleanup();
});
