import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PoolError } from '../../../core/errors/errors.js';
import { showValue } from '../../../core/errors/show-value.js';
import { laneRunsOn } from '../../lane/lane-address.js';
import { laneGate, type LaneGate } from '../../lane/lane-gate.js';

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
}

/**
 * The database names that give each connection a database of its own (`':memory:'`, `''`, and
 * `file:` URIs with `mode=memory` or `:memory:`), with the reason a pool cannot share them; or
 * `undefined` for a file every connection opens alike.
 */
export function privateDatabase(filename: string): string | undefined {
  if (
    filename === ':memory:' ||
    /^file::memory:/i.test(filename) ||
    /^file:[^?#]*\?(.*&)?mode=memory(&|$)/i.test(filename)
  )
    return 'an in-memory database belongs to the one connection that opened it: every other connection of the pool would open a new, empty one, so readers would never see what the writer wrote';
  if (filename === '')
    return 'an empty filename opens a private temporary database for each connection: every connection of the pool would see a different, empty one';
  return undefined;
}

/**
 * Why `filename` cannot be a database file, for two paths a new bot gets wrong, or `undefined`:
 * a folder (SQLite opens files), and a path under `~` (Node does not expand it, so SQLite would
 * look for a folder named `~` in the working directory). A path under a real folder named `~` is
 * taken as given.
 */
export function misnamedFile(filename: string): string | undefined {
  if (filename.startsWith('file:')) return undefined;
  try {
    if (statSync(filename).isDirectory())
      return `a folder: SQLite opens a file. Name a file in it, such as '${join(filename, 'bot.db')}'`;
  } catch {
    // Not there yet: SQLite creates it.
  }
  if ((filename === '~' || filename.startsWith('~/')) && !existsSync('~'))
    return `under "~", which Node does not expand: SQLite would look for a folder named "~" in ${process.cwd()}. Use join(homedir(), '${filename.slice(2) || 'bot.db'}') (homedir from node:os)`;
  return undefined;
}

/**
 * Throws INVALID_OPTION when `filename` names a per-connection database (see
 * {@link privateDatabase}), a folder, or a path under an unexpanded `~` (see {@link misnamedFile}).
 */
export function checkSharedFilename(filename: unknown, where = 'option "filename"'): void {
  if (typeof filename !== 'string')
    throw new PoolError('INVALID_OPTION', `${where} must be a path (string), got ${showValue(filename)}`);
  const why = privateDatabase(filename);
  if (why)
    throw new PoolError(
      'INVALID_OPTION',
      `${where} is ${showValue(filename)}: ${why}. Use a file on disk; for a test, one in a temporary folder (join(mkdtempSync(join(tmpdir(), 'bot-')), 'bot.db'))`,
    );
  const misnamed = misnamedFile(filename);
  if (misnamed) throw new PoolError('INVALID_OPTION', `${where} is ${showValue(filename)}, ${misnamed}`);
}

/** The `pragmas` option of createPool: names and plain values only, and WAL stays on. */
export function checkPragmas(pragmas: unknown): void {
  if (pragmas === undefined) return;
  if (typeof pragmas !== 'object' || pragmas === null || Array.isArray(pragmas))
    throw invalid(
      `option "pragmas" must be an object such as { synchronous: 'FULL' }, got ${showValue(pragmas)}`,
    );
  for (const [name, value] of Object.entries(pragmas)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name))
      throw invalid(`option "pragmas" has a key that is not a pragma name: ${showValue(name)}`);
    const ok =
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && /^[\w.+\-'" ]+$/.test(value));
    if (!ok)
      throw invalid(
        `option "pragmas.${name}" must be a number or a plain word such as 'FULL', got ${showValue(value)}`,
      );
    if (name.toLowerCase() === 'journal_mode' && String(value).toUpperCase() !== 'WAL')
      throw invalid(
        `option "pragmas.journal_mode" must stay WAL (the pool needs readers alongside the writer), got ${showValue(value)}`,
      );
  }
}

/**
 * Throws INVALID_OPTION when `requested` is an explicit `true` on a system the lane does not run
 * on: asked for by name, it is refused, not left out in silence. Unset, the lane is kept where it
 * runs and left out elsewhere (docs/shards.md). `option` names the option as the caller gave it.
 */
export function checkLaneOption(requested: unknown, option: string, platform = process.platform): void {
  if (requested !== true || laneRunsOn(platform)) return;
  throw new PoolError(
    'INVALID_OPTION',
    `${option}: true asks for the cross-process write lane, which runs on Linux and macOS (it needs Unix-domain sockets), not on ${platform}; leave it unset, and processes sharing the file take SQLite's write lock in turn as they do without a lane, or set it to false`,
  );
}

/**
 * A driver's lane for `filename`: none with `lane: false`, nor for a database that is not a file
 * or on a system where the lane does not run (`laneGate` keeps none there). The driver calls
 * {@link checkLaneOption} first, before it claims the file or starts a thread: a refused option
 * leaves nothing behind.
 */
export function driverLane(filename: string, lane: boolean | undefined): LaneGate | undefined {
  return lane === false ? undefined : laneGate(filename);
}
