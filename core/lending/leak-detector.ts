import type { SchedulerLike, Subscription } from 'rxjs';

/** What the pool learns about a leak: the lease's mode, how long it was held, where it was taken. */
export interface LeakReport {
  mode: string;
  heldMs: number;
  /** The stack of the `acquire()` call (or `read`/`write`/`transaction`) that took the lease. */
  stack: string | undefined;
  /** True when the lease was garbage-collected without release and its connection taken back. */
  reclaimed: boolean;
}

interface Tracked<E> {
  readonly entry: E;
  readonly mode: string;
  readonly grantedAt: number;
  readonly stack: string | undefined;
  timer: Subscription | undefined;
}

export interface LeakDetectorOptions<E> {
  /** A lease held longer than this is reported once (ms); 0 reports only collected leases. */
  thresholdMs: number;
  scheduler: SchedulerLike;
  /** A lease is past the threshold; it stays with its holder. */
  onLeak(report: LeakReport): void;
  /** A lease was collected without release: give `entry` back to the pool. */
  onCollected(entry: E, report: LeakReport): void;
}

/**
 * Watches leases for leaks. Past `thresholdMs` a held lease is reported once, with the stack of
 * the call that acquired it, and is left alone: a lease that is still referenced may still be in
 * use, so it is never taken back by force. A lease that is garbage-collected without `release()`
 * can never be released, so its connection is reclaimed (a FinalizationRegistry) and reported.
 * The registry's records never point at the lease itself, or it could not be collected. @internal
 *
 * @example
 * ```ts
 * const leaks = new LeakDetector({ thresholdMs: 10_000, scheduler, onLeak: log, onCollected: reclaim });
 * leaks.track(lease, { entry, mode: 'read', grantedAt: now }, new Error('lease acquired here').stack);
 * leaks.released(lease); // on release
 * ```
 */
export class LeakDetector<L extends object, E> {
  private readonly live = new WeakMap<L, Tracked<E>>();
  private readonly registry: FinalizationRegistry<Tracked<E>>;

  constructor(private readonly options: LeakDetectorOptions<E>) {
    this.registry = new FinalizationRegistry((tracked) => this.collected(tracked));
  }

  /** Watches a lease just granted; `stack` is that of the `acquire()` call that asked for it. */
  track(lease: L, d: { entry: E; mode: string; grantedAt: number }, stack: string | undefined): void {
    const tracked: Tracked<E> = { ...d, stack, timer: undefined };
    const { thresholdMs, scheduler } = this.options;
    if (thresholdMs > 0) {
      tracked.timer = scheduler.schedule(() => {
        tracked.timer = undefined;
        this.options.onLeak(this.report(tracked, false));
      }, thresholdMs);
    }
    this.live.set(lease, tracked);
    this.registry.register(lease, tracked, tracked);
  }

  /** The lease was released: stop watching it. */
  released(lease: L): void {
    const tracked = this.live.get(lease);
    if (!tracked) return;
    this.live.delete(lease);
    tracked.timer?.unsubscribe();
    this.registry.unregister(tracked);
  }

  private collected(tracked: Tracked<E>): void {
    tracked.timer?.unsubscribe();
    this.options.onCollected(tracked.entry, this.report(tracked, true));
  }

  private report(tracked: Tracked<E>, reclaimed: boolean): LeakReport {
    return {
      mode: tracked.mode,
      heldMs: this.options.scheduler.now() - tracked.grantedAt,
      stack: tracked.stack,
      reclaimed,
    };
  }
}
