import { Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { roleLimit } from '../../machines/pool.machine.js';
import { resizeSignals, type LoadSample, type ResizeSignal } from './resize-signals.js';
import { PoolError } from '../errors/errors.js';
import type { PoolLifecycleEvent } from '../monitoring/events.js';
import type { Entry, Lane } from '../lending/pool-types.js';

/** What sizing needs from the pool. @internal */
export interface SizingHost {
  readonly scheduler: SchedulerLike;
  readonly singleWriter: boolean;
  readonly idleTimeoutMs: number;
  readonly resizeCooldownMs: number;
  readonly readLane: Lane;
  /** The supervisor's bounds. */
  bounds(): { min: number; max: number };
  /** Tells the supervisor new bounds. */
  setBounds(min: number, max: number): void;
  /** Asks the supervisor for `count` more readers. */
  openReaders(count: number): void;
  lanes(): Lane[];
  total(): number;
  closing(): boolean;
  /** Takes a free or just-released connection out of service and closes it. */
  retire(entry: Entry): void;
  emit(event: PoolLifecycleEvent): void;
}

/**
 * Dynamic sizing: load samples flow through `resizeSignals` (hysteresis and cool-down), growth is
 * reported, and idle readers are trimmed after `idleTimeoutMs`; `resize()` sets bounds by hand and
 * retires connections as they come back, never from under a holder. @internal
 */
export class PoolSizing {
  /** Set by a shrinking resize while more connections are open than the new max allows. */
  overfull = false;
  private readonly load = new Subject<LoadSample>();
  private readonly subscription: Subscription;

  constructor(private readonly host: SizingHost) {
    this.subscription = resizeSignals(this.load, {
      idleTimeoutMs: host.idleTimeoutMs,
      cooldownMs: host.resizeCooldownMs,
      scheduler: host.scheduler,
    }).subscribe((signal) => this.onSignal(signal));
  }

  /** Feeds one load sample to the resize signals; free when nothing listens. */
  sample(sample: () => LoadSample): void {
    if (this.load.observed) this.load.next(sample());
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  /** See `Pool.resize`. */
  resize(size: number | { min?: number; max?: number }): void {
    const { host } = this;
    const current = host.bounds();
    const max = typeof size === 'number' ? size : (size.max ?? current.max);
    const min = typeof size === 'number' ? Math.min(current.min, size) : (size.min ?? current.min);
    const floor = host.singleWriter ? 2 : 1;
    if (!Number.isInteger(max) || !Number.isInteger(min) || min < 0 || max < floor || min > max) {
      throw new PoolError(
        'INVALID_OPTION',
        `resize needs integers with 0 <= min <= max and max >= ${floor}, got min ${min}, max ${max}`,
      );
    }
    host.setBounds(min, max);
    host.emit({ type: 'pool.resized', min, max, reason: 'manual', at: host.scheduler.now() });
    this.overfull = true;
    for (const lane of host.lanes()) for (const entry of [...lane.free]) this.retireIfOverfull(entry);
    const open = host.total();
    if (min > open) host.openReaders(min - open);
  }

  /** Closes `entry` (free or just released) when its lane holds more than the max allows. */
  retireIfOverfull(entry: Entry): boolean {
    const { max } = this.host.bounds();
    if (entry.lane.size <= roleLimit(entry.lane.role, max)) {
      this.overfull = this.host.lanes().some((l) => l.size > roleLimit(l.role, max));
      return false;
    }
    this.host.retire(entry);
    return true;
  }

  /**
   * A connection that just finished opening: when its lane already holds all the current bounds
   * allow (a resize shrank them while it was opening), it is closed at once instead of lent, so
   * leases never exceed `max`. True when it was retired.
   */
  admit(entry: Entry): boolean {
    if (entry.lane.size <= roleLimit(entry.lane.role, this.host.bounds().max)) return false;
    this.host.retire(entry);
    return true;
  }

  /** Closes readers unused for `idleMs`, least recently used first, keeping `min` open. */
  trimIdle(idleMs = this.host.idleTimeoutMs): number {
    const { host } = this;
    if (host.closing()) return 0;
    const { min } = host.bounds();
    const lane = host.readLane;
    const cutoff = host.scheduler.now() - idleMs;
    let retired = 0;
    while (host.total() > min && lane.free.length > 0 && (lane.free[0] as Entry).idleSince <= cutoff) {
      host.retire(lane.free[0] as Entry);
      retired++;
    }
    return retired;
  }

  private onSignal(signal: ResizeSignal): void {
    const { host } = this;
    if (host.closing()) return;
    const { min, max } = host.bounds();
    const at = host.scheduler.now();
    if (signal.kind === 'grow') {
      host.emit({ type: 'pool.resized', min, max, reason: signal.reason, at });
      return;
    }
    const retired = this.trimIdle();
    if (retired > 0)
      host.emit({ type: 'pool.resized', min, max, reason: `${signal.reason}: closed ${retired}`, at });
  }
}
