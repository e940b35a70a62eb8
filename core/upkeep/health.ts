import type { DriverConnection } from '../driver.js';

/**
 * A connection's lifetime with jitter: up to 10% shorter than `maxLifetimeMs`, so connections
 * opened together are not all recycled together. 0 means forever.
 *
 * @example
 * ```ts
 * lifetimeWithJitter(1_800_000); // between 1_620_000 and 1_800_000
 * ```
 */
export function lifetimeWithJitter(maxLifetimeMs: number, random: () => number = Math.random): number {
  return maxLifetimeMs <= 0 ? 0 : Math.round(maxLifetimeMs * (1 - 0.1 * random()));
}

/** Proves a connection still answers before it is lent again after a long idle spell. */
export async function validateConnection(conn: DriverConnection): Promise<void> {
  const row = await conn.get<Record<string, unknown>>('SELECT 1 AS ok');
  if (row?.ok !== 1) throw new Error('validation query returned no row');
  if (conn.inTransaction) throw new Error('connection was left inside a transaction');
}
