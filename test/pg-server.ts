import test from 'ava';
/**
 * PostgreSQL for AVA tests. With `DATABASE_URL` set, each call makes a fresh database on that
 * server and drops it at the end; otherwise it starts a throwaway server from the machine's
 * PostgreSQL binaries (scripts/pg-server.ts). With neither, {@link postgresUnavailable} says why
 * and the PostgreSQL tests skip.
 */
import pg from 'pg';
import { findPostgresBin, startPostgresServer } from '../scripts/pg-server.js';

/** A database for one test file. */
export interface TestDatabase {
  url: string;
  /** Stops the throwaway server, or drops the database made on `DATABASE_URL`. */
  stop(): Promise<void>;
  /** Stops the server without deleting anything: for server-down tests. Throwaway servers only. */
  kill?: () => Promise<void>;
  /** `pg_ctl restart -m fast`, resolving once the server is back. Throwaway servers only. */
  restart?: () => Promise<void>;
}

/** Why PostgreSQL tests cannot run here, or `undefined` when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.DATABASE_URL) return undefined;
  if (findPostgresBin()) return undefined;
  return 'PostgreSQL tests skipped: no DATABASE_URL and no initdb/pg_ctl (install postgresql-15 or set PG_BIN)';
}

/**
 * A database to test against.
 *
 * @example
 * ```ts
 * const db = await startPostgres();
 * const driver = postgresDriver({ connectionString: db.url });
 * await db.stop();
 * ```
 */
export async function startPostgres(): Promise<TestDatabase> {
  const shared = process.env.DATABASE_URL;
  if (!shared) {
    const server = await startPostgresServer();
    return { url: server.url, stop: server.stop, kill: server.stop, restart: server.restart };
  }
  const name = `roas_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      const client = new pg.Client({ connectionString: shared });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Registers a file's PostgreSQL tests against one throwaway server, started before them and
 * stopped after; where no server can start, one skipped test says why. `server()` is that server.
 */
export function withPostgres(tests: (server: () => TestDatabase) => void): void {
  const unavailable = postgresUnavailable();
  if (unavailable) {
    console.log(unavailable);
    test.skip(unavailable, () => undefined);
    return;
  }
  let db: TestDatabase | undefined;
  test.before(async () => {
    db = await startPostgres();
  });
  test.after.always(async () => {
    await db?.stop();
  });
  tests(() => db as TestDatabase);
}
