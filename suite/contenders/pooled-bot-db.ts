import { performance } from 'node:perf_hooks';
import type { BotDb, BotStatements } from '../../adapters/faces/bot-db.js';
import type { DriverConnection } from '../../core/driver.js';
import type { Mode } from '../types.js';

/** A connection lent by a peer pool, with the way to give it back. */
export interface Borrowed {
  conn: DriverConnection;
  release(): void;
}

function statements(conn: DriverConnection): BotStatements {
  return {
    get: (sql, params) => conn.get(sql, params),
    all: (sql, params) => conn.all(sql, params),
    run: (sql, params) => conn.run(sql, params),
  };
}

/**
 * The bot facade over a peer pool (tarn, generic-pool) or a naive connection: every call borrows
 * a connection, timing the wait, and gives it back. Transactions are `BEGIN IMMEDIATE`, as in
 * roas-pool, so the peers hit the same locks.
 *
 * @example
 * ```ts
 * const db = pooledBotDb(async () => ({ conn, release: () => {} }), (ns, mode) => waits[mode].record(ns));
 * ```
 */
export function pooledBotDb(
  borrow: () => Promise<Borrowed>,
  recordWait: (ns: number, mode: Mode) => void,
): BotDb {
  async function using<T>(mode: Mode, fn: (conn: DriverConnection) => Promise<T>): Promise<T> {
    const start = performance.now();
    const lent = await borrow();
    recordWait((performance.now() - start) * 1e6, mode);
    try {
      return await fn(lent.conn);
    } finally {
      lent.release();
    }
  }
  return {
    // Peers have no lanes; a call is counted as a read or a write by what the bot asked for.
    get: (sql, params) => using('read', (c) => c.get(sql, params)),
    all: (sql, params) => using('read', (c) => c.all(sql, params)),
    run: (sql, params) => using('write', (c) => c.run(sql, params)),
    transaction: (fn) =>
      using('write', async (conn) => {
        await conn.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(statements(conn));
          await conn.exec('COMMIT');
          return result;
        } catch (err) {
          if (conn.inTransaction) await conn.exec('ROLLBACK');
          throw err;
        }
      }),
  };
}
