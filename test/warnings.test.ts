import test from 'ava';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers.js';

const entry = new URL('../index.ts', import.meta.url).href;

/** Runs `code` as an ES module in a child Node; `development` loads XState's development build. */
function runChild(code: string, development = false): { status: number | null; stderr: string } {
  const flags = development ? ['--conditions=development'] : [];
  const r = spawnSync(process.execPath, [...flags, '--import=tsx', '--input-type=module', '-e', code], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr };
}

const leakyScript = (file: string, listen: boolean) => `
import { createPool } from '${entry}';
const pool = createPool({ filename: ${JSON.stringify(file)}, leakDetectionThresholdMs: 100, closeTimeoutMs: 200 });
${listen ? 'pool.events$.subscribe(() => {});' : ''}
const forgotten = await pool.acquire({ mode: 'write' }); // LEAKY-ACQUIRE
await new Promise((resolve) => setTimeout(resolve, 400));
await pool.close();
`;

test('a leaked lease and a close that must wait for it are told as Node warnings naming the acquire line', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const { status, stderr } = runChild(leakyScript(tmp.file(), false));
  t.is(status, 0, stderr);
  t.regex(stderr, /\[ROAS_POOL_LEASE_LEAKED\] RoasPoolWarning: roas-pool: a write lease leaked/);
  t.regex(
    stderr,
    /\[ROAS_POOL_CLOSE_WAITING\] RoasPoolWarning: roas-pool: close\(\) waits up to 200 ms for 1 lease/,
  );
  // Both name the script's acquire line (the -e script is [eval1], line 5).
  t.is(stderr.match(/\[eval1\]:5:/g)?.length, 2, stderr);
  t.notRegex(stderr, /core\/lending/, "the pool's own frames are left out");
  t.regex(stderr, /Fix: release every lease/);
});

test('with a listener on events$, the pool prints no warning', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const { status, stderr } = runChild(leakyScript(tmp.file(), true));
  t.is(status, 0, stderr);
  t.notRegex(stderr, /ROAS_POOL/);
});

test('closing a pool logs no XState warning (development build), inline and on worker threads', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const { status, stderr } = runChild(
    `
import { createPool } from '${entry}';
for (const threads of [false, true]) {
  const pool = createPool({ filename: ${JSON.stringify(tmp.file())}, threads, max: 4, acquireTimeoutMs: 120000 });
  await pool.write((w) => w.exec('CREATE TABLE IF NOT EXISTS t (x)'));
  await Promise.all(Array.from({ length: 10 }, () => pool.read(async (r) => { await r.get('SELECT 1'); })));
  await pool.close();
}
console.error('closed both');
`,
    true,
  );
  t.is(status, 0, stderr);
  t.regex(stderr, /closed both/);
  t.notRegex(stderr, /stopped actor|xstate/i);
});
