import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ROOT } from './consumer-project.js';
import { tempDir } from './helpers.js';

/** A stand-in checkout: the real bin, a stub build whose main prints its arguments, one source file. */
function checkout(): {
  dir: string;
  run: (...args: string[]) => { status: number | null; out: string; err: string };
  cleanup: () => void;
} {
  const tmp = tempDir('roas-bin-');
  mkdirSync(join(tmp.dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'roas-pool.js'), join(tmp.dir, 'bin', 'roas-pool.js'));
  writeFileSync(join(tmp.dir, 'package.json'), '{"type": "module"}');
  return {
    dir: tmp.dir,
    run: (...args) => {
      const r = spawnSync(process.execPath, [join(tmp.dir, 'bin', 'roas-pool.js'), ...args], {
        encoding: 'utf8',
      });
      return { status: r.status, out: r.stdout, err: r.stderr };
    },
    cleanup: tmp.cleanup,
  };
}

function build(dir: string): void {
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(
    join(dir, 'dist', 'cli', 'main.js'),
    'export async function main(argv) { process.stdout.write(`built ${argv.join(" ")}\\n`); return 0; }\n',
  );
}

test('the bin runs the build, and in a checkout without one says to build, exit 3', (t) => {
  const c = checkout();
  try {
    mkdirSync(join(c.dir, 'cli'));
    writeFileSync(join(c.dir, 'cli', 'main.ts'), '');
    const missing = c.run('--version');
    t.is(missing.status, 3);
    t.regex(
      missing.err,
      /^roas-pool: BUILD_MISSING: dist\/cli\/main\.js does not exist in this checkout\. Fix: run `npm run build`/,
    );
    build(c.dir);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(c.dir, 'cli', 'main.ts'), old, old);
    const built = c.run('bench', '--workers', '2');
    t.is(built.status, 0);
    t.is(built.out, 'built bench --workers 2\n');
    t.is(built.err, '', 'a build newer than the source: no warning');
  } finally {
    c.cleanup();
  }
});

test('in a checkout, the bin warns when a source file is newer than the build it runs', (t) => {
  const c = checkout();
  try {
    build(c.dir);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(c.dir, 'dist', 'cli', 'main.js'), old, old);
    mkdirSync(join(c.dir, 'cli'));
    writeFileSync(join(c.dir, 'cli', 'main.ts'), '');
    mkdirSync(join(c.dir, 'core'));
    writeFileSync(join(c.dir, 'core', 'pool.ts'), '');
    const r = c.run('stats');
    t.is(r.status, 0);
    t.is(r.out, 'built stats\n', 'the old build still runs');
    t.regex(
      r.err,
      /^roas-pool: warning: dist\/ is older than (cli\/main|core\/pool)\.ts; running the old build\. Run `npm run build`/,
    );
  } finally {
    c.cleanup();
  }
});
