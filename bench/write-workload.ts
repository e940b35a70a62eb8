import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh WAL database for the write-transaction benches, in its own temporary folder (`prefix`
 * names it): `users` (1000 rows, `points` to UPDATE) and `log` (to INSERT into). The caller
 * removes `dir`.
 */
export function seedWriteWorkload(prefix: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'bench.db');
  const seed = new Database(file);
  seed.pragma('journal_mode = WAL');
  seed.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, points INT NOT NULL DEFAULT 0)');
  seed.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, user INT, at REAL)');
  seed.exec(
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO users (id) SELECT i FROM n',
  );
  seed.close();
  return { dir, file };
}
