import type { SchedulerLike, Subscription } from 'rxjs';

/** XState's clock interface, as `createActor(..., { clock })` takes it. */
export interface XStateClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

/**
 * Drives XState's delayed transitions from the pool's RxJS scheduler, so one virtual clock in a
 * test moves both the machines' `after` timers and the streams' deadlines.
 */
export function xstateClock(scheduler: SchedulerLike): XStateClock {
  return {
    setTimeout: (fn, timeout) => scheduler.schedule(() => fn(), timeout),
    clearTimeout: (id) => (id as Subscription).unsubscribe(),
  };
}
