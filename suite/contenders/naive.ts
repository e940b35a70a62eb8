import type { DriverConnection } from '../../core/driver.js';
import type { Contender } from '../types.js';
import { BETTER_SQLITE3_DEFAULT_BUSY_MS, openPeerConnection } from './peer-connection.js';
import { pooledBotDb } from './pooled-bot-db.js';

/**
 * The "before" of a bot without a pool: one better-sqlite3 connection per worker, no pool. With the default
 * busy timeout a writer that meets another connection's open transaction blocks the whole event
 * loop until the timeout (the holder cannot run to commit meanwhile); with `busy_timeout=0` it
 * fails at once with SQLITE_BUSY.
 *
 * @example
 * ```ts
 * const result = await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: naive(0) });
 * ```
 */
export function naive(busyTimeoutMs = BETTER_SQLITE3_DEFAULT_BUSY_MS): Contender {
  const name = busyTimeoutMs === BETTER_SQLITE3_DEFAULT_BUSY_MS ? 'naive' : `naive-bt${busyTimeoutMs}`;
  return {
    name,
    description: `a better-sqlite3 connection per worker, busy_timeout=${busyTimeoutMs}`,
    async open({ filename, workers, recordWait }) {
      const conns: DriverConnection[] = [];
      for (let i = 0; i < workers; i++) conns.push(await openPeerConnection(filename, busyTimeoutMs));
      const busy = new Array<boolean>(workers).fill(false);
      const dbs = conns.map((conn, i) =>
        pooledBotDb(async () => {
          busy[i] = true;
          return { conn, release: () => (busy[i] = false) };
        }, recordWait),
      );
      return {
        db: (index) => dbs[index % dbs.length] as (typeof dbs)[number],
        sample: () => ({ size: conns.length, leased: busy.filter(Boolean).length, waiting: 0 }),
        close: async () => {
          for (const conn of conns) await conn.close();
        },
      };
    },
  };
}
