import { PoolError } from '../../core/errors/errors.js';
import type { Lease } from '../../core/lease/lease.js';
import { MAX_DURATION_MS } from '../../core/options/limits.js';
import type { Pool, RunOptions } from '../../core/pool.js';
import { showValue } from '../../core/errors/show-value.js';

/** Options of {@link serializableTransaction}. */
export interface SerializableOptions extends RunOptions {
  /** How many more times the transaction runs after a serialization failure or deadlock. Default 5. */
  retries?: number;
  /** Longest pause before a retry (ms); each pause is random below `min(maxBackoffMs, 2^n)`. Default 100. */
  maxBackoffMs?: number;
}

/** SQLSTATEs after which the server rolled the transaction back and running it again may succeed. */
const RETRYABLE = new Set(['40001', '40P01']);

function retryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

function wholeMs(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** The INVALID_ARGUMENT a bad call rejects with, or `undefined`. */
function argumentsError(pool: unknown, work: unknown, options: SerializableOptions): PoolError | undefined {
  if (typeof (pool as Partial<Pool> | null)?.transaction !== 'function')
    return new PoolError(
      'INVALID_ARGUMENT',
      `serializableTransaction() takes a pool first, got ${showValue(pool)}`,
    );
  if (typeof work !== 'function')
    return new PoolError(
      'INVALID_ARGUMENT',
      `serializableTransaction() takes a function (tx) => ..., got ${showValue(work)}`,
    );
  if (options.retries !== undefined && !wholeMs(options.retries, 1000))
    return new PoolError(
      'INVALID_ARGUMENT',
      `serializableTransaction() option "retries" must be a whole number from 0 to 1000, got ${showValue(options.retries)}`,
    );
  if (options.maxBackoffMs !== undefined && !wholeMs(options.maxBackoffMs, MAX_DURATION_MS))
    return new PoolError(
      'INVALID_ARGUMENT',
      `serializableTransaction() option "maxBackoffMs" must be whole ms from 0 to ${MAX_DURATION_MS}, got ${showValue(options.maxBackoffMs)}`,
    );
  return undefined;
}

/**
 * Runs `work` as `pool.transaction()` does, isolated as if the transactions ran one at a time,
 * and runs it again when the database rolled it back for that: the answer to read-then-write
 * (read a value, write back what was computed from it), which loses updates under PostgreSQL's
 * default READ COMMITTED. On PostgreSQL the transaction is SERIALIZABLE and a serialization
 * failure or deadlock (40001, 40P01) runs `work` again after a short random pause, up to
 * `retries` more times; then the last failure rejects. On SQLite the write lane already runs
 * transactions one at a time (`BEGIN IMMEDIATE`), so `work` runs once and the same call works on
 * both. `work` may run more than once: keep side effects other than the database outside it.
 * Call it outside any other transaction: a transaction cannot be retried from inside another.
 *
 * @example
 * ```ts
 * await serializableTransaction(pool, async (tx) => {
 *   const row = await tx.get<{ points: number }>('SELECT points FROM xp WHERE user_id = ?', ['ann']);
 *   await tx.run('UPDATE xp SET points = ? WHERE user_id = ?', [(row?.points ?? 0) + 1, 'ann']);
 * });
 * ```
 */
export async function serializableTransaction<T>(
  pool: Pool,
  work: (tx: Lease) => T | Promise<T>,
  options: SerializableOptions = {},
): Promise<T> {
  const { retries = 5, maxBackoffMs = 100, ...run } = options ?? {};
  const invalid = argumentsError(pool, work, options ?? {});
  if (invalid !== undefined) throw invalid;
  const postgres = pool.driver.dialect === 'postgres';
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.transaction(async (tx) => {
        // The first statement of the transaction, so it applies to this one only.
        if (postgres) await tx.exec('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
        return work(tx);
      }, run);
    } catch (err) {
      if (attempt >= retries || !retryable(err)) throw err;
      const pauseMs = Math.random() * Math.min(maxBackoffMs, 2 ** (attempt + 1));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
