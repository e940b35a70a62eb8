import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from './helpers.js';

// Limits a long-running bot relies on, run for real (real SQLite files, real worker threads, child
// processes): memory after a storm of timed-out waiters, connections opened past a shrunk max,
// results past the cap, retirements by age. The sibling of fault-injection.test.ts.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = promisify(execFile);

test.serial('the heap returns to its baseline after 100k waiters time out', async (t) => {
  const tmp = tempDir();
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fixture('waiter-storm.ts'), tmp.file(), '100000'],
    { cwd: ROOT },
  );
  tmp.cleanup();
  const { before, after, timedOut } = JSON.parse(stdout) as {
    before: number;
    after: number;
    timedOut: number;
  };
  const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
  t.log(`heap after gc: ${mb(before)} MB before the storm, ${mb(after)} MB after; ${timedOut} timed out`);
  t.is(timedOut, 100_000);
  // Generous: the settled waiters alone used to keep over 140 MB on a baseline near 10 MB.
  t.true(after < before * 2, `heap ${mb(after)} MB after the storm, baseline ${mb(before)} MB`);
});
