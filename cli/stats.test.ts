import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { capture } from '../test/capture.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { runStats } from './stats.js';

test.serial('says so when the file has no connection_pool_stats table', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-stats-'));
  const file = join(dir, 'bot.db');
  new Database(file).close();
  try {
    const run = await capture(() => runStats(['--db', file]));
    t.is(run.code, 0);
    t.regex(run.out, /has no connection_pool_stats table/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.serial('prints the newest connection_pool_stats rows in order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-stats-'));
  const file = join(dir, 'bot.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE connection_pool_stats (
    id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    active_connections INTEGER DEFAULT 0, max_connections INTEGER DEFAULT 0,
    wait_time_ms INTEGER DEFAULT 0, error_count INTEGER DEFAULT 0)`);
  const insert = db.prepare(
    'INSERT INTO connection_pool_stats (active_connections, max_connections) VALUES (?, 20)',
  );
  for (const active of [3, 7, 11]) insert.run(active);
  db.close();
  try {
    const run = await capture(() => runStats(['--db', file, '--limit', '2']));
    t.is(run.code, 0);
    const lines = run.out.trim().split('\n');
    t.is(lines.length, 3);
    t.regex(
      lines[0] as string,
      /id\s+timestamp\s+active_connections\s+max_connections\s+wait_time_ms\s+error_count/,
    );
    t.regex(lines[1] as string, /^\s*2\s.*\s7\s+20\s+0\s+0$/);
    t.regex(lines[2] as string, /^\s*3\s.*\s11\s+20\s+0\s+0$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.serial('rejects a missing --db with the usage', async (t) => {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk: string) => err.push(String(chunk)) > 0;
  try {
    t.is(await runStats([]), 2);
  } finally {
    process.stderr.write = write;
  }
  t.regex(err.join(''), /stats needs --db/);
});

test.serial('says in one line that a file is missing or is not a database', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-stats-'));
  try {
    const missing = await capture(() => runStats(['--db', join(dir, 'nope.db')]));
    t.is(missing.code, 2);
    t.regex(missing.err, /^roas-pool stats: FILE_NOT_FOUND: --db .*nope\.db does not exist\. Fix: .*\n$/);
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'these are notes, not a database; '.repeat(40));
    const text = await capture(() => runStats(['--db', file]));
    t.is(text.code, 2);
    t.regex(
      text.err,
      /^roas-pool stats: NOT_A_DATABASE: --db .*notes\.txt is not a SQLite database \(SQLITE_NOTADB\)\. Fix: .*\n$/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
