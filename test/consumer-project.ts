/**
 * A user's project for the consumer end-to-end test: `npm pack` of this package, then a project
 * in a temp folder that installs the tarball with `npm ci --offline` from npm's cache only (no
 * network: the lock file written here pins every package to the version and integrity that this
 * repository's lock already pulled into the cache with `npm ci`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface LockEntry {
  version: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, unknown>;
}

/** Runs npm; its output goes to the returned string (and into the error if it fails). */
export function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * `npm pack` into a fresh temp folder (which runs `prepack`: the build). Returns the tarball's
 * path, its folder (remove it when done), and npm's report of the files and sizes.
 */
export function pack(): { tarball: string; dir: string; notice: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roas-pack-'));
  const output = execFileSync('npm', ['pack', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = output.trim().split('\n').at(-1) as string;
  return { tarball: join(dir, name), dir, notice: output };
}

/**
 * Writes `package.json` and `package-lock.json` of a project that depends on the tarball and on
 * `extras` (names of packages in this repository's lock, at the versions it pins), with the
 * dependency closure copied from this repository's lock.
 */
export function writeProject(dir: string, tarball: string, extras: readonly string[] = []): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const packages: Record<string, unknown> = {};
  // Node's resolution: the nearest node_modules/<name> from `from` upwards.
  const locate = (from: string, name: string): string => {
    for (let base = from; ;) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[key]) return key;
      if (!base) throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const visit = (key: string): void => {
    if (packages[key]) return;
    const { dev: _d, devOptional: _o, peer: _p, optional: _x, ...entry } = lock.packages[key] as LockEntry;
    packages[key] = entry;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      visit(locate(key, dep));
  };
  for (const name of [...Object.keys(pkg.dependencies), ...extras]) visit(locate('', name));
  const file = tarball.split('/').at(-1) as string;
  copyFileSync(tarball, join(dir, file));
  const dependencies: Record<string, string> = { 'roas-pool': `file:${file}` };
  for (const name of extras) dependencies[name] = (lock.packages[locate('', name)] as LockEntry).version;
  packages['node_modules/roas-pool'] = {
    version: pkg.version,
    resolved: `file:${file}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    license: pkg.license,
    dependencies: pkg.dependencies,
    bin: pkg.bin,
    engines: pkg.engines,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
  };
  packages[''] = { name: 'consumer', dependencies };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

/**
 * `npm ci --offline --ignore-scripts`: every package from the cache, no install script run, so
 * better-sqlite3 has no native binding yet (as under npm 12 before `npm approve-scripts`).
 */
export function installOffline(dir: string): void {
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  npm(['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
}

/** Where better-sqlite3's loader (`bindings`) looks first for the native binding. */
const BINDING = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/**
 * Gives the project the native binding that this repository's `npm ci` already compiled, in
 * place of better-sqlite3's install script (a build from source takes minutes on two cores).
 * Both must be the same better-sqlite3 version; the lock file above makes them so.
 */
export function reuseBinding(dir: string): void {
  const version = (d: string): string =>
    (
      JSON.parse(readFileSync(join(d, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  if (version(dir) !== version(ROOT))
    throw new Error(
      `better-sqlite3 ${version(dir)} in the project, ${version(ROOT)} here: cannot reuse the binding`,
    );
  mkdirSync(join(dir, BINDING, '..'), { recursive: true });
  copyFileSync(join(ROOT, BINDING), join(dir, BINDING));
}

/** Whether the project has the native binding. */
export function hasBinding(dir: string): boolean {
  return existsSync(join(dir, BINDING));
}
