import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from './helpers.js';

// Faults a careless caller or a shutdown can cause, run for real: real SQLite files, real worker
// threads, real child processes. Each test counts the writes the pool acknowledged and compares
// them with the rows a fresh connection finds.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test('await pool.close() on worker threads keeps the process alive until it resolves', async (t) => {
  const tmp = tempDir();
  const run = promisify(execFile);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', fixture('close-awaited.ts'), tmp.file()],
    {
      cwd: ROOT,
    },
  ).catch((err: { code?: number; stdout?: string }) => {
    t.fail(`the child exited with code ${err.code}: a top-level await never settled`);
    return { stdout: err.stdout ?? '' };
  });
  t.is(stdout, 'after close\n');
  tmp.cleanup();
});
