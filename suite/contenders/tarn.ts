import type { DriverConnection } from '../../core/driver.js';
import type { Contender } from '../types.js';
import { BETTER_SQLITE3_DEFAULT_BUSY_MS, openPeerConnection } from './peer-connection.js';
import { optionalImport } from './optional-import.js';
import { pooledBotDb } from './pooled-bot-db.js';

/**
 * tarn (knex's pool) lending better-sqlite3 connections, as a knex-style setup would: up to
 * `max` connections, better-sqlite3's default busy timeout.
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: tarn() });
 * ```
 */
export function tarn(max = 20, busyTimeoutMs = BETTER_SQLITE3_DEFAULT_BUSY_MS): Contender {
  return {
    name: 'tarn',
    description: `tarn pool of up to ${max} better-sqlite3 connections, busy_timeout=${busyTimeoutMs}`,
    async open({ filename, recordWait }) {
      const { Pool: TarnPool } = await optionalImport('tarn', () => import('tarn'));
      const pool = new TarnPool<DriverConnection>({
        create: () => openPeerConnection(filename, busyTimeoutMs),
        destroy: (conn) => conn.close(),
        min: 0,
        max,
        acquireTimeoutMillis: 5000,
      });
      const db = pooledBotDb(async () => {
        const conn = await pool.acquire().promise;
        return { conn, release: () => pool.release(conn) };
      }, recordWait);
      return {
        db: () => db,
        sample: () => ({
          size: pool.numUsed() + pool.numFree(),
          leased: pool.numUsed(),
          waiting: pool.numPendingAcquires(),
        }),
        close: async () => {
          await pool.destroy();
        },
      };
    },
  };
}
