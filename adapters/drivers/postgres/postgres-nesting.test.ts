import pg from 'pg';
import { createPool } from '../../../create-pool.js';
import { holdScenarios, nestingScenarios, OUTER } from '../../../test/nesting-scenarios.js';
import { withPostgres, type TestDatabase } from '../../../test/pg-server.js';
import { postgresDriver } from '../../../postgres.js';

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

withPostgres((server) => {
  const setup = async () => {
    const connectionString = await database(server());
    const pool = createPool({
      driver: postgresDriver({ connectionString, placeholders: 'question' }),
      max: 4,
      acquireTimeoutMs: 250,
    });
    await pool.write((db) => db.exec('CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)'), OUTER);
    return { pool, done: () => pool.close() };
  };
  nestingScenarios('postgres', setup);
  holdScenarios('postgres', setup, 'side by side');
});
