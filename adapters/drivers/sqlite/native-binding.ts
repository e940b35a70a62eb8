import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { PoolError } from '../../../core/errors/errors.js';

type BetterSqlite3 = typeof Database;

let module: BetterSqlite3 | undefined;
let loaded = false;

/**
 * better-sqlite3, loaded on first use rather than when `roas-pool` is imported: a program on
 * `nodeSqliteDriver` or PostgreSQL never loads it, and an install without it (or without its
 * native binding) still imports. Throws what `require` throws; see {@link checkSqliteBinding}.
 *
 * @example
 * ```ts
 * const Sqlite = loadBetterSqlite3();
 * const db = new Sqlite('bot.db');
 * ```
 */
export function loadBetterSqlite3(): BetterSqlite3 {
  return (module ??= createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3);
}

/** Whether this Node.js has the node:sqlite that `nodeSqliteDriver` needs (22.16 or later). */
function hasNodeSqlite(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 16);
}

/**
 * Loads better-sqlite3's native binding once (by opening and closing an in-memory database), so
 * that a missing or mismatched binding fails where the pool is created, as a PoolError of code
 * `NATIVE_BINDING_MISSING` that says how to build it, not later as the bindings loader's stack.
 * The binding is missing when npm skipped better-sqlite3's install script (npm 12 skips scripts
 * not approved in `allowScripts`; `--ignore-scripts`), or was built for another Node.js version.
 * Where the runtime has node:sqlite, the message names `nodeSqliteDriver`, which needs no build.
 *
 * @example
 * ```ts
 * checkSqliteBinding(); // throws PoolError NATIVE_BINDING_MISSING when better_sqlite3.node is absent
 * ```
 */
export function checkSqliteBinding(): void {
  if (loaded) return;
  try {
    new (loadBetterSqlite3())(':memory:').close();
    loaded = true;
  } catch (err) {
    // The bindings loader's first line ends "Tried:" before its list of paths.
    const first = (((err as Error).message ?? String(err)).split('\n')[0] ?? '').replace(/[\s:]+$/, '');
    const mismatch = /NODE_MODULE_VERSION|compiled against a different Node\.js/.test(first);
    const other = hasNodeSqlite()
      ? `. Or, with no build on this Node.js, use node:sqlite: createPool({ driver: nodeSqliteDriver({ filename }) })`
      : '';
    throw new PoolError(
      'NATIVE_BINDING_MISSING',
      (mismatch
        ? `better-sqlite3's native binding was built for another Node.js version (${process.version} here): ${first}`
        : `better-sqlite3's native binding (better_sqlite3.node) could not be loaded: ${first.slice(0, 200)}`) +
        other,
      { cause: err },
    );
  }
}
