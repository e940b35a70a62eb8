import type { DriverConnection } from '../../core/driver.js';
import type { Contender } from '../types.js';
import { BETTER_SQLITE3_DEFAULT_BUSY_MS, openPeerConnection } from './peer-connection.js';
import { optionalImport } from './optional-import.js';
import { pooledBotDb } from './pooled-bot-db.js';

/**
 * generic-pool lending better-sqlite3 connections: up to `max`, better-sqlite3's default busy
 * timeout.
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: genericPoolContender() });
 * ```
 */
export function genericPoolContender(max = 20, busyTimeoutMs = BETTER_SQLITE3_DEFAULT_BUSY_MS): Contender {
  return {
    name: 'generic-pool',
    description: `generic-pool of up to ${max} better-sqlite3 connections, busy_timeout=${busyTimeoutMs}`,
    async open({ filename, recordWait }) {
      const { default: genericPool } = await optionalImport('generic-pool', () => import('generic-pool'));
      const pool = genericPool.createPool<DriverConnection>(
        { create: () => openPeerConnection(filename, busyTimeoutMs), destroy: (conn) => conn.close() },
        { min: 0, max, acquireTimeoutMillis: 5000 },
      );
      const db = pooledBotDb(async () => {
        const conn = await pool.acquire();
        return { conn, release: () => void pool.release(conn) };
      }, recordWait);
      return {
        db: () => db,
        sample: () => ({ size: pool.size, leased: pool.borrowed, waiting: pool.pending }),
        close: async () => {
          await pool.drain();
          await pool.clear();
        },
      };
    },
  };
}
