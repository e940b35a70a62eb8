import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { PoolError } from '../../../core/errors/errors.js';

/** The SQLite libraries a driver of this package can link: each carries its own copy of SQLite. */
export type SqliteLibrary = 'better-sqlite3' | 'node:sqlite';

interface Claim {
  library: SqliteLibrary;
  count: number;
}

// On globalThis under a registered symbol, so that two copies of this package in one process (the
// sources and the build, two versions in node_modules) see the same claims. A worker thread has a
// registry of its own: one library there is the one of its parent (the thread drivers).
const KEY = Symbol.for('roas-pool.sqlite-library-claims');

function claims(): Map<string, Claim> {
  const g = globalThis as { [KEY]?: Map<string, Claim> };
  return (g[KEY] ??= new Map<string, Claim>());
}

function key(filename: string): string {
  try {
    return realpathSync.native(filename);
  } catch {
    return resolve(filename);
  }
}

/**
 * Claims `filename` for one SQLite library in this process until the returned release is called
 * (the driver's `dispose`, at `pool.close()`). Two copies of SQLite in one process do not see each
 * other's locks: SQLite's POSIX locks belong to the process, and each copy keeps its own table of
 * them, so better-sqlite3 and node:sqlite could both take the write lock of one file at once and
 * one overwrite the other's commit, and closing one copy's file drops the other's locks (sqlite.org,
 * "How To Corrupt", 2.2.1). So the second library throws INVALID_OPTION instead.
 *
 * @example
 * ```ts
 * const release = claimSqliteFile('bot.db', 'node:sqlite', 'nodeSqliteDriver option "filename"');
 * ```
 */
export function claimSqliteFile(filename: string, library: SqliteLibrary, option: string): () => void {
  if (filename === ':memory:' || filename === '' || filename.startsWith('file:')) return () => undefined;
  const map = claims();
  const path = key(filename);
  const held = map.get(path);
  if (held && held.library !== library)
    throw new PoolError(
      'INVALID_OPTION',
      `${option}: ${filename} is open in this process through ${held.library}; two SQLite libraries in one process do not see each other's locks, so both could write at once and lose a commit. Open each file through one driver in a process: close the ${held.library === 'node:sqlite' ? 'nodeSqliteDriver' : 'better-sqlite3'} pool first`,
    );
  const claim = held ?? { library, count: 0 };
  claim.count++;
  map.set(path, claim);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--claim.count === 0 && map.get(path) === claim) map.delete(path);
  };
}
