import type { SchedulerLike, Subscription } from 'rxjs';
import type { Entry } from './pool-types.js';

export interface LeakSweepHost {
  readonly scheduler: SchedulerLike;
  /** Every connection in the bag. */
  entries(): Iterable<Entry>;
  closing(): boolean;
  /** `entry` has been held at least the threshold, and its lease has no recorded stack. */
  onLeak(entry: Entry, heldMs: number): void;
}

/**
 * Finds leases held past `thresholdMs` at no cost to acquire: one timer, armed by a grant when none
 * is pending, looks at the leased connections every half threshold and reports each grant once.
 * It is the pool's default watch, for leases acquired without a recorded stack; leases with one
 * are watched by the leak detector (core/lending/leak-detector.ts), to the millisecond. @internal
 *
 * @example
 * ```ts
 * const sweep = new LeakSweep(host, 60_000);
 * sweep.arm(); // after each grant: schedules the next look if none is pending
 * ```
 */
export class LeakSweep {
  private timer: Subscription | undefined;

  constructor(
    private readonly host: LeakSweepHost,
    private readonly thresholdMs: number,
  ) {}

  /** A lease was granted: make sure a look is coming. */
  arm(): void {
    if (this.timer !== undefined || this.host.closing()) return;
    this.timer = this.host.scheduler.schedule(() => this.look(), Math.max(1, this.thresholdMs / 2));
  }

  stop(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private look(): void {
    this.timer = undefined;
    const { host } = this;
    if (host.closing()) return;
    const now = host.scheduler.now();
    let held = false;
    for (const entry of host.entries()) {
      if (entry.state !== 'leased') continue;
      held = true;
      if (entry.leakReported || entry.grantStack !== undefined || entry.ownedByPool === true) continue;
      const heldMs = now - entry.grantedAt;
      if (heldMs < this.thresholdMs) continue;
      entry.leakReported = true;
      host.onLeak(entry, heldMs);
    }
    // With nothing out, the next grant arms it again: an idle pool runs no timer.
    if (held) this.arm();
  }
}
