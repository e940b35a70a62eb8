import type Database from 'better-sqlite3';
import type { DriverConnection } from '../../core/driver.js';
import { sqliteDriver } from '../../adapters/drivers/sqlite/sqlite.js';

/** better-sqlite3's own default busy timeout, ms: what a connection gets unless told otherwise. */
export const BETTER_SQLITE3_DEFAULT_BUSY_MS = 5000;

/**
 * Opens a connection for a peer contender exactly as roas-pool opens its own (WAL,
 * `synchronous=NORMAL`, the same per-connection prepared-statement cache), then sets the busy
 * timeout the peer would run with. Only the scheduling differs, so the comparison is fair.
 *
 * @example
 * ```ts
 * const conn = await openPeerConnection('bot.db', 5000);
 * ```
 */
export async function openPeerConnection(filename: string, busyTimeoutMs: number): Promise<DriverConnection> {
  const conn = await sqliteDriver({ filename }).open('any');
  (conn.raw as Database.Database).pragma(`busy_timeout = ${busyTimeoutMs}`);
  return conn;
}
