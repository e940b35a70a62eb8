import { diagnoseWith, type Diagnosis } from './core/diagnose.js';
import { diagnoseSqliteError } from './adapters/drivers/sqlite/diagnose-sqlite.js';

/**
 * Explains any error the pool or SQLite raised: its category (retry, restart-transaction,
 * evict-connection, fatal, usage-bug, caller), a one-line diagnosis and remedy, and what the pool
 * does about it. A PoolError that wraps a SQLite error also explains the cause.
 *
 * @example
 * ```ts
 * try {
 *   await pool.write((db) => db.run('INSERT INTO xp (user) VALUES (?)', ['ann']));
 * } catch (err) {
 *   const d = diagnose(err);
 *   if (d.category === 'retry') setTimeout(retry, 100);
 *   else log.error(`${d.code}: ${d.diagnosis}. Fix: ${d.remedy}`);
 * }
 * ```
 */
export function diagnose(err: unknown): Diagnosis {
  return diagnoseWith(err, diagnoseSqliteError);
}
