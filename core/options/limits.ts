import { PoolError } from '../errors/errors.js';
import { showValue } from '../errors/show-value.js';

/**
 * The longest delay a Node.js timer can wait (2^31 - 1 ms, about 24.8 days). A longer one fires
 * at once, with a TimeoutOverflowWarning: every duration the pool arms a timer for is bounded by it.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * The most connections a pool may have. Each is a file handle (and, on worker threads, a thread
 * with its own heap); SQLite serves one writer at a time, so past a few dozen readers more add
 * memory, not throughput.
 */
export const MAX_CONNECTIONS = 1000;

/** The longest acquire queue (`maxWaiting`): each waiter holds a promise and its callbacks. */
export const MAX_WAITING = 10_000_000;

export const DURATION_NOTE = `(ms; at most ${MAX_DURATION_MS}, about 24.8 days, the longest delay a Node.js timer can wait: a longer one would fire at once)`;

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

/** Throws INVALID_OPTION when `filename` names a per-connection database; see {@link privateDatabase}. */
export function checkSharedFilename(filename: unknown, where = 'option "filename"'): void {
  if (typeof filename !== 'string')
    throw new PoolError('INVALID_OPTION', `${where} must be a path (string), got ${showValue(filename)}`);
  const why = privateDatabase(filename);
  if (why)
    throw new PoolError(
      'INVALID_OPTION',
      `${where} is ${showValue(filename)}: ${why}. Use a file on disk; for a test, one in a temporary folder (join(mkdtempSync(join(tmpdir(), 'bot-')), 'bot.db'))`,
    );
}
