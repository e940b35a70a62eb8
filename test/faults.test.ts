import test from 'ava';
import Database from 'better-sqlite3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  openSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createPool, diagnose, PoolError, type Pool } from '../index.js';
import { tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, i INT)';

function child(name: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fixture(name), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** Resolves with the child's stdout so far once a line matches `pattern`. */
function waitForLine(proc: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (pattern.test(out)) {
        proc.stdout?.off('data', onData);
        resolve(out);
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) before ${pattern}: ${out}`)));
  });
}

async function count(pool: Pool): Promise<number> {
  const row = await pool.read((db) => db.get<{ n: number }>('SELECT count(*) AS n FROM t'));
  return row?.n ?? -1;
}

function caught(err: unknown): PoolError {
  if (!(err instanceof PoolError)) throw new Error(`expected a PoolError, got ${String(err)}`);
  return err;
}

// Root ignores file modes through its capabilities (CAP_DAC_OVERRIDE). As root, the database and
// its folder are handed to user nobody and the probe runs as root with every capability dropped
// (`setpriv`), so their "other" mode bits bind it; it still reads the checkout, wherever CI put it
// (a folder nobody could not enter would stop a probe run as nobody). As anyone else, modes bind
// the test's own user and the probe runs as it.
const ROOT_USER = process.getuid?.() === 0;
const NOBODY = 65534;
// The folder is writable for the probe: by "other" as root (nobody owns it), by its owner otherwise.
const MODES = { file: 0o444, readOnlyDir: 0o555, writableDir: ROOT_USER ? 0o777 : 0o755 };

function probe(file: string): Promise<Record<string, unknown>> {
  const node = [process.execPath, '--import', 'tsx', fixture('read-only-probe.ts'), file];
  const [command, ...args] = ROOT_USER
    ? ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--', ...node]
    : node;
  return promisify(execFile)(command as string, args, { cwd: ROOT }).then(
    ({ stdout }) => JSON.parse(stdout) as Record<string, unknown>,
  );
}

test('a read-only file: reads work, writes fail with DATABASE_READ_ONLY, a read-only folder fails fast', async (t) => {
  const tmp = tempDir();
  const setup = createPool({ filename: tmp.file() });
  await setup.write((db) => db.exec(`${TABLE}; INSERT INTO t (w, i) VALUES (0, 0)`));
  await setup.close();
  if (ROOT_USER) {
    chownSync(tmp.file(), NOBODY, NOBODY);
    chownSync(tmp.dir, NOBODY, NOBODY);
  }
  chmodSync(tmp.file(), MODES.file);
  // A read-only folder too: SQLite cannot create the WAL's -shm file, so no connection opens.
  chmodSync(tmp.dir, MODES.readOnlyDir);
  t.like(await probe(tmp.file()), {
    readError: 'CONNECTION_FAILED',
    readCause: 'SQLITE_READONLY_DIRECTORY',
  });
  // A writable folder: reads work, writes are refused with a typed error.
  chmodSync(tmp.dir, MODES.writableDir);
  t.deepEqual(await probe(tmp.file()), {
    read: { n: 1 },
    writeError: 'DATABASE_READ_ONLY',
    writeCause: 'SQLITE_READONLY',
    readAfter: { n: 1 },
  });
  t.is(diagnose(new PoolError('DATABASE_READ_ONLY')).category, 'fatal');
  const pool = createPool({ filename: tmp.file() });
  t.is(await count(pool), 1);
  await pool.close();
  chmodSync(tmp.dir, 0o755);
  tmp.cleanup();
});

test('a full database (max_page_count) fails the write with SQLITE_FULL and keeps every commit', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), pragmas: { max_page_count: 16 } });
  await pool.write((db) => db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)'));
  let committed = 0;
  let error: unknown;
  while (error === undefined) {
    try {
      await pool.transaction((tx) => tx.run('INSERT INTO big (b) VALUES (zeroblob(2000))'));
      committed++;
    } catch (err) {
      error = err;
    }
  }
  t.is((error as { code?: string }).code, 'SQLITE_FULL');
  t.like(diagnose(error), { category: 'fatal', handling: 'statement' });
  t.true(committed > 0);
  const rows = await pool.read((db) => db.get<{ n: number }>('SELECT count(*) AS n FROM big'));
  t.is(rows?.n, committed);
  // The connection survived: freeing space lets writes through again.
  await pool.write((db) => db.run('DELETE FROM big WHERE id = 1'));
  await pool.transaction((tx) => tx.run('INSERT INTO big (b) VALUES (zeroblob(10))'));
  t.deepEqual(await pool.read((db) => db.get('PRAGMA integrity_check')), { integrity_check: 'ok' });
  await pool.close();
  tmp.cleanup();
});

test('a corrupt header rejects acquire with SQLITE_NOTADB at once and does not retry in a loop', async (t) => {
  const tmp = tempDir();
  const setup = createPool({ filename: tmp.file() });
  await setup.write((db) => db.exec(TABLE));
  await setup.close();
  const fd = openSync(tmp.file(), 'r+');
  writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
  closeSync(fd);
  const pool = createPool({ filename: tmp.file(), reconnectBackoffMs: 60_000 });
  for (let i = 0; i < 5; i++) {
    const err = caught(await pool.read((db) => db.get('SELECT 1')).catch((e: unknown) => e));
    t.is(err.code, 'CONNECTION_FAILED');
    t.is((err.cause as { code?: string }).code, 'SQLITE_NOTADB');
  }
  // One open was tried; the next four were answered from the backoff with the same cause.
  t.is(pool.stats().failed, 1);
  await pool.close();
  tmp.cleanup();
});

test('a corrupt table page fails the connection with CONNECTION_LOST and the pool replaces it', async (t) => {
  const tmp = tempDir();
  const setup = createPool({ filename: tmp.file() });
  await setup.write((db) =>
    db.exec(
      `${TABLE}; WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 2000)
       INSERT INTO t (w, i) SELECT k, k FROM n`,
    ),
  );
  await setup.close();
  // Garbage over a page of the table's b-tree; the header stays valid, so connections still open.
  const fd = openSync(tmp.file(), 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 3);
  closeSync(fd);
  const pool = createPool({ filename: tmp.file() });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const err = caught(await pool.read((db) => db.get('SELECT sum(i) FROM t')).catch((e: unknown) => e));
    t.is(err.code, 'CONNECTION_LOST');
    t.is((err.cause as { code?: string }).code, 'SQLITE_CORRUPT');
    t.like(diagnose(err), { category: 'evict-connection', cause: { category: 'fatal' } });
    // Let it crash: the failed connection is gone, and the next request gets a fresh one.
    t.is(pool.stats().failed, attempt);
    t.is(pool.stats().created, attempt);
  }
  // A holder that carries on after the failure is refused before anything reaches the connection:
  // SQLite may have rolled its transaction back, and the next write would run in autocommit.
  const lease = await pool.acquire({ mode: 'write' });
  await lease.exec('BEGIN IMMEDIATE');
  t.is(caught(await lease.get('SELECT sum(i) FROM t').catch((e: unknown) => e)).code, 'CONNECTION_LOST');
  t.true(lease.revoked);
  await t.throwsAsync(() => lease.run('INSERT INTO t (w, i) VALUES (1, 1)'), {
    instanceOf: PoolError,
    message: /^LEASE_REVOKED/,
  });
  t.throws(() => lease.inTransaction, {
    instanceOf: PoolError,
    message: /LEASE_REVOKED: the connection failed/,
  });
  lease.release();
  await pool.close();
  tmp.cleanup();
});

for (const fault of ['deleted', 'folder removed'] as const) {
  test(`the database file ${fault} under a running pool fails its connections with a typed error`, async (t) => {
    const tmp = tempDir();
    const pool = createPool({ filename: tmp.file(), min: 1 });
    await pool.write((db) => db.exec(TABLE));
    await pool.write((db) => db.run('INSERT INTO t (w, i) VALUES (1, 1)'));
    t.is(await count(pool), 1);
    const failures = firstValueFrom(
      pool.events$.pipe(
        filter((e) => e.type === 'connection.failed'),
        take(2),
        toArray(),
      ),
    );
    if (fault === 'deleted') {
      for (const suffix of ['', '-wal', '-shm'])
        if (existsSync(tmp.file() + suffix)) unlinkSync(tmp.file() + suffix);
    } else {
      rmSync(tmp.dir, { recursive: true });
    }
    const events = await failures;
    t.deepEqual(
      events.map((e) => (e.type === 'connection.failed' ? (e.error as { code?: string }).code : '')),
      ['SQLITE_READONLY_DBMOVED', 'SQLITE_READONLY_DBMOVED'],
    );
    const err = caught(
      await pool.write((db) => db.run('INSERT INTO t (w, i) VALUES (2, 2)')).catch((e: unknown) => e),
    );
    t.is(err.code, 'CONNECTION_FAILED');
    // The pool did not quietly create a new, empty database in the old one's place.
    t.false(existsSync(tmp.file()));
    await pool.close();
    tmp.cleanup();
  });
}

test('another process holding the write lock past the deadline gives SQLITE_BUSY, then the write succeeds', async (t) => {
  const tmp = tempDir();
  // No WAL-size check: a second after the write it takes the write lane, and behind the other
  // process's lock it would still hold it when the test asserts that no lease is left.
  const pool = createPool({ filename: tmp.file(), acquireTimeoutMs: 200, walCheckpointThresholdFrames: 0 });
  await pool.write((db) => db.exec(TABLE));
  const holder = child('lock-holder.ts', [tmp.file()]);
  await waitForLine(holder, /locked/);
  const err = caught(
    await pool.transaction((tx) => tx.run('INSERT INTO t (w, i) VALUES (1, 1)')).catch((e: unknown) => e),
  );
  t.is(err.code, 'SQLITE_BUSY');
  t.is(pool.stats().leased, 0);
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  holder.stdin?.end();
  await exited;
  await pool.transaction((tx) => tx.run('INSERT INTO t (w, i) VALUES (1, 1)'));
  t.is(await count(pool), 2);
  await pool.close();
  tmp.cleanup();
});

test('a process SIGKILLed inside a transaction loses only that transaction and leaves an intact file', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file() });
  await pool.write((db) => db.exec(TABLE));
  const writer = child('killable-writer.ts', [tmp.file(), '25']);
  const out = await waitForLine(writer, /^open$/m);
  const exited = new Promise((resolve) => writer.once('exit', (_code, signal) => resolve(signal)));
  writer.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  const committed = out.match(/committed \d+/g)?.length ?? 0;
  t.is(committed, 25);
  t.is(await count(pool), committed * 2);
  t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n FROM t WHERE w = -1')), { n: 0 });
  t.deepEqual(await pool.read((db) => db.get('PRAGMA integrity_check')), { integrity_check: 'ok' });
  // The write lock died with the process: this pool writes at once.
  await pool.transaction((tx) => tx.run('INSERT INTO t (w, i) VALUES (0, 0)'));
  t.is(await count(pool), committed * 2 + 1);
  await pool.close();
  const raw = new Database(tmp.file(), { readonly: true });
  t.is(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  tmp.cleanup();
});
