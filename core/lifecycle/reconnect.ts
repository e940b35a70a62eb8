/**
 * Exponential backoff between failed opens, so a database that cannot be opened is tried again
 * now and then, never in a loop. A failed open doubles the wait (from `baseMs` up to `maxMs`,
 * with ±25% jitter so that many processes do not retry in step); a successful one resets it.
 *
 * A step is one round of attempts, not one attempt: the opens that fail while the wait of the
 * last step still runs were started before it (a server restart fails every open in flight at
 * once) and belong to the same outage, so they count as that one step. Counting each of them
 * would jump to `maxMs` after a single short outage.
 *
 * @example
 * ```ts
 * const backoff = new ReconnectBackoff(100, 30_000);
 * backoff.failed(scheduler.now()); // next open allowed in ~100 ms, then ~200, ~400...
 * if (backoff.blocked(scheduler.now())) rejectWaitersWithTheCause();
 * ```
 */
export class ReconnectBackoff {
  /** Steps of backoff in a row: rounds of opens that failed, each burst counted once. */
  failures = 0;
  /** No open is attempted before this time (the pool's clock, ms). */
  retryAt = 0;
  /** When the latest open failed (the pool's clock, ms), in this step or an earlier one. */
  lastFailedAt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next attempt after `failures` failures in a row. */
  delay(failures: number): number {
    if (failures <= 0 || this.baseMs === 0) return 0;
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    return Math.round(raw * (0.75 + this.random() / 2));
  }

  /**
   * Records a failed open at `now`. One that fails before the current wait is over was in flight
   * with the failure that set it: it is part of the same step and leaves the wait as it is.
   */
  failed(now: number): void {
    this.lastFailedAt = now;
    if (this.failures > 0 && now < this.retryAt) return;
    this.failures++;
    this.retryAt = now + this.delay(this.failures);
  }

  /** Records a successful open. */
  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
  }

  /** True while opening again would be too soon. */
  blocked(now: number): boolean {
    return this.failures > 0 && now < this.retryAt;
  }
}
