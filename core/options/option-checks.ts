import { PoolError } from '../errors/errors.js';
import { showValue } from '../errors/show-value.js';

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
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
