import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeSqliteAvailable, nodeSqliteDriver, PoolError } from '../../../index.js';
import { tempDir } from '../../../test/helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));

test('imports with better-sqlite3 unloadable; the default driver names nodeSqliteDriver where node:sqlite exists, which serves', async (t) => {
  const tmp = tempDir();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      fixture('no-better-sqlite3.mjs'),
      fixture('no-build-pool.ts'),
      tmp.file(),
    ],
    { cwd: ROOT },
  );
  const out = JSON.parse(stdout) as Record<string, unknown>;
  t.is(out.imported, true);
  t.is(out.defaultError, 'NATIVE_BINDING_MISSING');
  t.regex(String(out.defaultMessage), /better-sqlite3/);
  if (nodeSqliteAvailable()) {
    t.regex(String(out.defaultMessage), /nodeSqliteDriver/);
    t.deepEqual(out.rows, [{ v: 'served' }]);
  } else {
    t.notRegex(String(out.defaultMessage), /nodeSqliteDriver/, 'no way out to offer on this Node.js');
    t.is(out.nodeSqliteError, 'NOT_SUPPORTED');
  }
  tmp.cleanup();
});

(nodeSqliteAvailable() ? test.skip : test)(
  'without node:sqlite (Node 20), nodeSqliteDriver throws NOT_SUPPORTED naming the Node.js version it needs',
  (t) => {
    const err = t.throws(() => nodeSqliteDriver({ filename: 'bot.db' }), { instanceOf: PoolError });
    t.is(err?.code, 'NOT_SUPPORTED');
    t.regex(err?.message ?? '', /Node\.js 22\.16 or later/);
    t.regex(err?.message ?? '', new RegExp(`this is Node\\.js ${process.version.replace(/\./g, '\\.')}`));
  },
);
