import test from 'ava';
import Database from 'better-sqlite3';
import { createPool } from '../index.js';
import { postgresDriver } from '../postgres.js';
import { startPostgresServer, type PostgresServer } from '../scripts/pg-server.js';
import { postgresUnavailable } from '../test/pg-server.js';
import { tempDir } from '../test/helpers.js';
import { migrate } from './migrate.js';

// One connection string, read the same by `migrate` and by the pool: against a real server with
// TLS on, its certificate self-signed (scripts/pg-server.ts), and its Unix socket.

const unavailable = process.env.DATABASE_URL ? 'needs a throwaway server with TLS' : postgresUnavailable();
if (unavailable) {
  test.skip(unavailable, () => undefined);
} else {
  let server: PostgresServer;
  test.before(async () => {
    server = await startPostgresServer({ tls: true });
  });
  test.after.always(() => server?.stop());

  const forms = (): Record<string, string> => {
    const { port, dir, certificate = '' } = server;
    return {
      'sslmode=verify-full with sslrootcert (a self-signed server)': `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(certificate)}`,
      'sslmode=no-verify': `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=no-verify`,
      'a libpq key=value string': `host=127.0.0.1 port=${port} dbname=postgres user=postgres sslmode=verify-full sslrootcert='${certificate}'`,
      'a Unix socket': `postgres:///postgres?host=${encodeURIComponent(dir)}&port=${port}&user=postgres`,
    };
  };

  const titles = [
    'sslmode=verify-full with sslrootcert (a self-signed server)',
    'sslmode=no-verify',
    'a libpq key=value string',
    'a Unix socket',
  ];
  for (const [n, title] of titles.entries())
    test.serial(`migrate and the pool both connect with ${title}`, async (t) => {
      const url = forms()[title] as string;
      const tmp = tempDir();
      const db = new Database(tmp.file());
      db.exec(`CREATE TABLE t${n} (id INTEGER PRIMARY KEY); INSERT INTO t${n} VALUES (1), (2)`);
      db.close();
      const result = await migrate({ from: tmp.file(), to: url, dropExisting: true });
      tmp.cleanup();
      t.deepEqual(result.tables, [{ name: `t${n}`, sqliteRows: 2, postgresRows: 2 }]);
      const pool = createPool({ driver: postgresDriver({ connectionString: url }), max: 1 });
      const row = await pool.read((r) =>
        r.get<{ n: number; tls: boolean | null }>(
          `SELECT (SELECT count(*)::int FROM t${n}) AS n, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls`,
        ),
      );
      await pool.close();
      t.is(row?.n, 2);
      t.is(row?.tls, !title.includes('socket'), 'TLS over TCP; a socket needs none');
    });
}
