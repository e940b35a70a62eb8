import { interval, map, share, takeUntil, type Observable, type SchedulerLike } from 'rxjs';

/**
 * Snapshots of `read()` every `intervalMs` on `scheduler`, until `end$` emits or completes. Shared:
 * every subscriber sees the same snapshot, and when the last one unsubscribes the timer stops, so
 * an unobserved stream costs nothing.
 *
 * @example
 * ```ts
 * const stats$ = statsStream(() => pool.stats(), 1000, asyncScheduler, closed$);
 * stats$.subscribe((s) => console.log(s.waiting, s.window.acquireWait.p95Ms));
 * ```
 */
export function statsStream<T>(
  read: () => T,
  intervalMs: number,
  scheduler: SchedulerLike,
  end$: Observable<unknown>,
): Observable<T> {
  return interval(intervalMs, scheduler).pipe(
    takeUntil(end$),
    map(() => read()),
    share(),
  );
}
