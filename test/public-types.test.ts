import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { internalNamesIn, reachableDeclarations } from './public-types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The published declarations, built as `npm run build` builds them (tsconfig.build.json, with
// stripInternal) into a temporary directory, then every file a consumer can reach from the
// package's `exports` is read for the pool's internal names.
test('the published .d.ts holds no internal names', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'roas-dts-'));
  try {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--outDir', out],
      { cwd: ROOT },
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string }>;
    };
    const entries = Object.values(pkg.exports)
      .map((e) => (typeof e === 'string' ? undefined : e.types))
      .filter((types): types is string => types !== undefined)
      .map((types) => join(out, types.replace(/^\.\/dist\//, '')));
    const files = reachableDeclarations(entries);
    t.true(
      files.some((f) => f.endsWith('index.d.ts')),
      'the main entry was not built',
    );
    t.true(
      files.some((f) => f.endsWith(join('core', 'pool.d.ts'))),
      'Pool is not reachable',
    );
    const leaks = files
      .map((f) => [relative(out, f), internalNamesIn(readFileSync(f, 'utf8'))] as const)
      .filter(([, names]) => names.length > 0);
    t.deepEqual(leaks, []);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

// The check can fail: declarations as they were before stripInternal are caught.
test('the check catches internals in a declaration file', (t) => {
  const before = [
    'export declare class Pool implements LeaseHost {',
    '    protected readonly readLane: Lane;',
    '    protected grant(entry: Entry, mode: LeaseMode, now: number, t: number): Lease;',
    '    /** The bag hands an Entry on: prose is not a type. */',
    '}',
  ].join('\n');
  t.deepEqual(internalNamesIn(before), ['Entry', 'Lane', 'LeaseHost', 'grant']);
  t.deepEqual(internalNamesIn('export declare class Pool {\n    #private;\n}'), []);
});
