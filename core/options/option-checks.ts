import { PoolError } from '../errors/errors.js';
import { distance, nearest } from './nearest.js';
import { aliasOf, byUnit } from './option-aliases.js';
import { showValue } from '../errors/show-value.js';

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
}

/**
 * What an unknown option key should have been: by meaning first (names from HikariCP, tarn,
 * generic-pool, pg.Pool, better-sqlite3; see option-aliases.ts), then by unit suffix, then by
 * spelling. Returns the text after `unknown option "key"`.
 */
export function suggest(key: string, known: readonly string[]): string {
  const alias = aliasOf(key);
  if (alias?.use !== undefined && known.includes(alias.use))
    return `; did you mean "${alias.use}"? (the name in ${alias.from}${alias.note ? `; ${alias.note}` : ''})`;
  if (alias !== undefined && alias.use === undefined)
    return ` (a name from ${alias.from}): ${alias.note ?? ''}`;
  const unit = byUnit(key, known);
  if (unit) return `; did you mean "${unit.use}"?${unit.note ? ` (${unit.note})` : ''}`;
  const near = nearest(key, known);
  const close =
    near.toLowerCase().startsWith(key.toLowerCase()) || distance(key, near) <= Math.max(2, key.length / 3);
  if (close) return `; did you mean "${near}"?`;
  return `; the options are ${known.join(', ')}`;
}

/** Checks what the pool would call: a driver must open connections, a scheduler must arm timers. */
export function checkObjects(options: { driver?: unknown; scheduler?: unknown }): void {
  const driver = options.driver as { open?: unknown } | null | undefined;
  const scheduler = options.scheduler as { now?: unknown; schedule?: unknown } | null | undefined;
  if (
    driver !== undefined &&
    (typeof driver !== 'object' || driver === null || typeof driver.open !== 'function')
  )
    throw invalid(
      `option "driver" must be a Driver (threadDriver({ filename }), postgresDriver({ ... }), sqliteDriver({ filename })), got ${showValue(driver)}`,
    );
  if (
    scheduler !== undefined &&
    (typeof scheduler !== 'object' ||
      scheduler === null ||
      typeof scheduler.now !== 'function' ||
      typeof scheduler.schedule !== 'function')
  )
    throw invalid(
      `option "scheduler" must be an RxJS SchedulerLike (asyncScheduler, or a VirtualTimeScheduler in tests), got ${showValue(scheduler)}`,
    );
}
