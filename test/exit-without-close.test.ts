import test from 'ava';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tempDir } from './helpers.js';

const entry = new URL('../index.ts', import.meta.url).href;

/** Runs `code` as an ES module in a child Node with tsx; resolves with how it ended. */
function runChild(code: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Not a timing bound: a hang is the failure this guards against, and it must end the test.
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, out });
    });
  });
}

const work = (file: string, options: string) => `
import { createPool } from '${entry}';
const pool = createPool({ filename: ${JSON.stringify(file)}, ${options} });
await pool.write((w) => w.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, worker INT)'));
await Promise.all(Array.from({ length: 20 }, (_, worker) => (async () => {
  for (let i = 0; i < 10; i++) {
    await pool.transaction((tx) => tx.run('INSERT INTO t (worker) VALUES (?)', [worker]));
    await pool.read((r) => r.get('SELECT count(*) AS n FROM t'));
  }
})()));
console.log('done', pool.stats().total);
// No pool.close(): the pool's timers must not keep this process alive.
`;

for (const [mode, options] of [
  ['inline', 'leakDetectionThresholdMs: 30000, statsIntervalMs: 1000'],
  // A generous deadline: on a loaded machine, starting worker threads can take seconds.
  ['worker threads', 'threads: true, max: 4, acquireTimeoutMs: 120000'],
] as const) {
  test(`a script on ${mode} that never calls close() exits on its own with every row on disk`, async (t) => {
    const tmp = tempDir();
    t.teardown(tmp.cleanup);
    const file = tmp.file();
    const result = await runChild(work(file, options));
    t.is(result.signal, null, `the child hung and was killed:\n${result.out}`);
    t.is(result.code, 0, result.out);
    t.regex(result.out, /^done \d+/m);
    const db = new Database(file, { readonly: true });
    t.teardown(() => db.close());
    t.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 200 });
    // better-sqlite3 closes its handles when the process (or a worker) ends, as close() would: the
    // last close checkpoints the WAL into the database file.
    t.false(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0, 'the WAL was checkpointed');
  });
}

test('a waiter keeps the process alive until its deadline, and then gets ACQUIRE_TIMEOUT', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const result = await runChild(`
import { createPool } from '${entry}';
const pool = createPool({ filename: ${JSON.stringify(tmp.file())} });
const held = await pool.acquire({ mode: 'write' });
try {
  await pool.write(() => undefined, { timeoutMs: 200 });
} catch (err) {
  console.log('caught', err.code);
}
held.release();
`);
  // With an unref'd deadline and no hold, the child would exit with 13 (unsettled top-level await).
  t.is(result.code, 0, result.out);
  t.regex(result.out, /caught ACQUIRE_TIMEOUT/);
});
