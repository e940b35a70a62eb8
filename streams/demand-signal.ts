import { asapScheduler, auditTime, filter, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/**
 * Turns a lane's stream of arrivals into the supervisor's demand signal: arrivals while the lane
 * cannot grow (every connection it may have is open) are dropped, and a burst of arrivals becomes
 * one signal carrying the latest count, emitted after the burst (on the microtask queue by default).
 * A saturated pool therefore costs the supervisor no events at all.
 *
 * @example
 * ```ts
 * queue.requests$.pipe(demandSignal(() => lane.entries.size < limit)).subscribe((waiting) =>
 *   supervisor.send({ type: 'pool.demand', role, waiting }),
 * );
 * ```
 */
export function demandSignal(
  canGrow: () => boolean,
  scheduler: SchedulerLike = asapScheduler,
): MonoTypeOperatorFunction<number> {
  return (arrivals) => arrivals.pipe(filter(canGrow), auditTime(0, scheduler));
}
