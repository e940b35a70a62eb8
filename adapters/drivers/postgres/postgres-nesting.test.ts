import test from 'ava';
import pg from 'pg';
import { createPool } from '../../../create-pool.js';
import { nestingScenarios, OUTER } from '../../../test/nesting-scenarios.js';
import { postgresUnavailable, startPostgres, type TestDatabase } from '../../../test/pg-server.js';
import { postgresDriver } from '../../../postgres.js';

const unavailable = postgresUnavailable();
let server: TestDatabase | undefined;
let made = 0;

/** A database of its own for each test on the one server, so the tests run side by side. */
async function database(server: TestDatabase): Promise<string> {
  const name = `nest_${++made}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

if (unavailable) {
  console.log(unavailable);
  test.skip(unavailable, () => undefined);
} else {
  test.before(async () => {
    server = await startPostgres();
  });
  test.after.always(async () => {
    await server?.stop();
  });
  nestingScenarios('postgres', async () => {
    const connectionString = await database(server as TestDatabase);
    const pool = createPool({
      driver: postgresDriver({ connectionString, placeholders: 'question' }),
      max: 4,
      acquireTimeoutMs: 250,
    });
    await pool.write((db) => db.exec('CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)'), OUTER);
    return { pool, done: () => pool.close() };
  });
}
