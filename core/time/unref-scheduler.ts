import { performance } from 'node:perf_hooks';
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/**
 * One scheduled piece of work on a timer that does not keep the process alive. It can reschedule
 * itself (`this.schedule(state, delay)`), which is how RxJS's `interval` and `timer` drive it.
 */
class UnrefAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super(() => this.clear());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.work.call(this, state);
    }, delay);
    // Why: a script that finishes its work without close() must be free to exit; the pool's
    // timers are housekeeping (deadlines, expiry, trims, checks), never work in flight.
    this.timer.unref();
    return this;
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

// Read once: the getter allocates a number on every call, and it never changes.
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Milliseconds since the epoch, on a monotonic clock: the epoch time of the process start plus
 * `performance.now()`. Deadlines are differences of two readings, and a wall clock set back or
 * forward (NTP, a user, a VM resumed) would stretch or cut them; this one only moves forward, at
 * the rate of the timers that wait for it. It does not follow later corrections of the wall clock.
 */
export function monotonicNow(): number {
  return TIME_ORIGIN + performance.now();
}

/**
 * The pool's default scheduler, its own rather than RxJS's `asyncScheduler`: each piece of work on
 * a `setTimeout` that is `unref()`'d, so a process whose only pending timers are the pool's exits
 * on its own, and {@link monotonicNow} as its clock. Work in flight (a busy retry, a close in progress) holds the process with {@link keepAlive}.
 *
 * @example
 * ```ts
 * import { interval } from 'rxjs';
 * interval(1000, unrefScheduler).subscribe(() => console.log('tick')); // does not hold the process
 * ```
 */
export const unrefScheduler: SchedulerLike = {
  now: monotonicNow,
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new UnrefAction(work).schedule(state, delay);
  },
};

let holds = 0;
let holdHandle: ReturnType<typeof setInterval> | undefined;

/**
 * Holds the process open until the returned function is called: for work the caller awaits on the
 * pool's unref'd timers (a waiter's deadline, a close that waits for holders, a statement waiting
 * out SQLITE_BUSY). Holds are counted, so any number of them share one handle. A handle, not a
 * clock: nothing is timed by it. Calling the returned function twice releases once.
 */
export function keepAlive(): () => void {
  // One handle for the process's life, ref'd while held: every waiter of a busy pool takes a hold,
  // and a timer created and cleared each time cost a tenth of a point read (bench/hotpath.ts).
  if (holds++ === 0) (holdHandle ??= setInterval(() => undefined, 2 ** 31 - 1)).ref();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holds === 0) holdHandle?.unref();
  };
}

/** Holds the process open until `promise` settles; returns it. */
export function holdUntilSettled<T>(promise: Promise<T>): Promise<T> {
  const release = keepAlive();
  promise.then(release, release);
  return promise;
}
