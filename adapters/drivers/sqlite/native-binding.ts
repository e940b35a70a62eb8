import Database from 'better-sqlite3';
import { PoolError } from '../../../core/errors.js';

let loaded = false;

/**
 * Loads better-sqlite3's native binding once (by opening and closing an in-memory database), so
 * that a missing or mismatched binding fails where the pool is created, as a PoolError of code
 * `NATIVE_BINDING_MISSING` that says how to build it, not later as the bindings loader's stack.
 * The binding is missing when npm skipped better-sqlite3's install script (npm 12 skips scripts
 * not approved in `allowScripts`; `--ignore-scripts`), or was built for another Node.js version.
 *
 * @example
 * ```ts
 * checkSqliteBinding(); // throws PoolError NATIVE_BINDING_MISSING when better_sqlite3.node is absent
 * ```
 */
export function checkSqliteBinding(): void {
  if (loaded) return;
  try {
    new Database(':memory:').close();
    loaded = true;
  } catch (err) {
    const first = ((err as Error).message ?? String(err)).split('\n')[0] ?? '';
    const mismatch = /NODE_MODULE_VERSION|compiled against a different Node\.js/.test(first);
    throw new PoolError(
      'NATIVE_BINDING_MISSING',
      mismatch
        ? `better-sqlite3's native binding was built for another Node.js version (${process.version} here): ${first}`
        : `better-sqlite3's native binding (better_sqlite3.node) could not be loaded: ${first.slice(0, 200)}`,
      { cause: err },
    );
  }
}
