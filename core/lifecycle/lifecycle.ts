import { performance } from 'node:perf_hooks';
import { createActor, type Actor } from 'xstate';
import type { Driver, DriverConnection } from '../driver.js';
import { countRole, poolMachine, roleLimit, type ConnectionRef } from '../../machines/pool.machine.js';
import { demandSignal } from '../../streams/demand-signal.js';
import { xstateClock } from '../time/clock.js';
import { PoolError } from '../errors/errors.js';
import type { Bag } from '../lending/bag.js';
import type { PoolLifecycleEvent } from '../monitoring/events.js';
import type { PoolCounters } from '../monitoring/stats.js';
import type { ResolvedOptions } from '../options/options.js';
import type { HousekeepingPart, LendingPart } from '../pool-runtime.js';
import type { PoolSizing } from '../sizing/pool-sizing.js';
import type { Entry, Lane } from '../lending/pool-types.js';
import { ReconnectBackoff } from './reconnect.js';

/** What the lifecycle asks of the rest of the pool, and no more. @internal */
export interface LifecycleHost {
  readonly options: Pick<
    ResolvedOptions,
    'inspect' | 'max' | 'min' | 'reconnectBackoffMaxMs' | 'reconnectBackoffMs' | 'scheduler'
  >;
  /** Handed to the supervisor, which opens and closes connections through it. */
  readonly driver: Driver;
  readonly bag: Pick<Bag, 'add' | 'get' | 'laneOf' | 'putFree' | 'remove' | 'summary'>;
  readonly counters: PoolCounters;
  /** Reached at call time: built after the lifecycle. */
  readonly housekeeping: Pick<HousekeepingPart, 'opened'>;
  readonly sizing: Pick<PoolSizing, 'admit' | 'sample'>;
  readonly lending: Pick<LendingPart, 'handOffOrFail'>;
  /** Set once close() began: a connection that opens then is closed at once. */
  readonly closing: boolean;
  /** The last connection failure, set here when one fails or is lost: the cause of later timeouts. */
  lastFailure: Error | undefined;
  /** How long the last waiter served had waited (ms), for the sizer's sample. */
  readonly lastWaitMs: number;
  emit(event: PoolLifecycleEvent): void;
}

/**
 * The connections' lives, through the supervisor actor (machines/pool.machine.ts): the runtime
 * asks it for connections (`pool.demand`), to close or fail one (`pool.retire`, `pool.fail`, which
 * it forwards to the child), and hears what it emits (`connection.opened`, `.failed`, `.closed`)
 * to put connections in the bag and take them out. @internal
 */
export class Lifecycle {
  readonly supervisor: Actor<typeof poolMachine>;
  private readonly backoff: ReconnectBackoff;
  /** Why the latest open failed: the cause given while the backoff answers for the database. */
  private lastOpenFailure: Error | undefined;
  /** A look at the read lane's waiters is due at the next turn: see `demand`. */
  private recheck = false;
  /** The supervisor's `max` as of its latest transition: an arrival reads this, not a snapshot. */
  private max: number;

  constructor(protected readonly rt: LifecycleHost) {
    const o = rt.options;
    this.backoff = new ReconnectBackoff(o.reconnectBackoffMs, o.reconnectBackoffMaxMs);
    this.supervisor = createActor(poolMachine, {
      input: { driver: rt.driver, min: o.min, max: o.max },
      clock: xstateClock(o.scheduler),
      inspect: o.inspect,
    });
    this.supervisor.on('connection.opened', (e) => this.opened(e.ref, e.connection));
    this.supervisor.on('connection.failed', (e) => this.failed(e.ref, e.error, e.wasOpen));
    this.supervisor.on('connection.closed', (e) => this.closed(e.ref));
    this.max = o.max;
    this.supervisor.subscribe((snapshot) => void (this.max = snapshot.context.max));
    this.supervisor.start();
  }

  /** Wires a lane's arrivals to the supervisor: a burst of waiters becomes one `pool.demand`. */
  watch(lane: Lane): { unsubscribe(): void } {
    return lane.queue.requests$
      .pipe(demandSignal(() => this.canGrow(lane)))
      .subscribe(() => this.demand(lane));
  }

  /** The supervisor's bounds. */
  bounds(): { min: number; max: number } {
    const { min, max } = this.supervisor.getSnapshot().context;
    return { min, max };
  }

  /** Connections of `lane`'s role still opening. */
  opening(lane: Lane): number {
    return countRole(this.supervisor.getSnapshot().context.connections, lane.role).opening;
  }

  /** Asks for `count` connections of `lane`'s role, up to the bounds. */
  open(lane: Lane, count: number): void {
    this.supervisor.send({ type: 'pool.demand', role: lane.role, waiting: count });
  }

  setBounds(min: number, max: number): void {
    this.supervisor.send({ type: 'pool.resize', min, max });
  }

  /** Takes `entry` out of the bag and has the supervisor close it; it reports it closed. */
  retire(entry: Entry): void {
    entry.expiry?.unsubscribe();
    if (this.rt.bag.remove(entry)) this.rt.counters.destroyed++;
    this.supervisor.send({ type: 'pool.retire', id: entry.ref.id });
  }

  /** Has the supervisor fail `entry`'s connection: it reports it failed, and it is replaced. */
  fail(entry: Entry, error: Error): void {
    this.supervisor.send({ type: 'pool.fail', id: entry.ref.id, error });
  }

  /** Closes every connection through the supervisor; resolves when it is done. */
  closeAll(): Promise<void> {
    return new Promise<void>((resolve) => {
      const sub = this.supervisor.subscribe((snap) => {
        if (snap.status === 'done') {
          sub.unsubscribe();
          resolve();
        }
      });
      this.supervisor.send({ type: 'pool.close' });
    });
  }

  /** Feeds one load sample to the sizer. */
  sample(): void {
    this.rt.sizing.sample(() => {
      const { total, leased, waiting } = this.rt.bag.summary();
      return { total, leased, waiting, waitMs: this.rt.lastWaitMs };
    });
  }

  /** False when every connection the lane may have is open: a saturated pool costs no machine events. */
  private canGrow(lane: Lane): boolean {
    return lane.size < roleLimit(lane.role, this.max);
  }

  /**
   * Waiters arrived on `lane`. Readers open only for the waiters that the readers open did not
   * serve within the turn (one at once when none is open or opening): a burst of short reads is
   * handed from one holder to the next and opens no more. Other lanes open one a waiter at once.
   */
  demand(lane: Lane): void {
    if (lane.role !== 'reader') return this.grow(lane, lane.queue.size);
    if (this.none(lane)) this.grow(lane, 1);
    if (this.recheck) return;
    this.recheck = true;
    // A turn, not a time: what the event loop's next check phase still finds waiting.
    setImmediate(() => {
      this.recheck = false;
      this.grow(lane, lane.queue.size);
    });
  }

  /** Opens up to `count` connections of `lane` for its waiters, unless the backoff forbids it. */
  private grow(lane: Lane, count: number): void {
    const { rt } = this;
    if (rt.closing || lane.queue.size === 0 || !this.canGrow(lane)) return;
    const now = rt.options.scheduler.now();
    if (this.backoff.blocked(now)) {
      // Too soon after a failed open to try again: with nothing open to serve them, the waiters
      // get the latest open's failure now, with its age, rather than a timeout later.
      const { live } = countRole(this.supervisor.getSnapshot().context.connections, lane.role);
      const { lastFailedAt, retryAt } = this.backoff;
      const when = ` (the latest attempt failed ${Math.round(now - lastFailedAt)} ms ago; the next is allowed in ${Math.ceil(retryAt - now)} ms)`;
      if (live === 0 && lane.size === 0)
        this.rejectUnopenable(lane, this.lastOpenFailure ?? rt.lastFailure, when);
      return;
    }
    this.sample();
    this.open(lane, count);
  }

  /** No connection of `lane` is open or opening: a waiter has nothing to wait for but an open. */
  private none(lane: Lane): boolean {
    return lane.size === 0 && this.opening(lane) === 0;
  }

  private opened(ref: ConnectionRef, conn: DriverConnection): void {
    const { rt } = this;
    const now = rt.options.scheduler.now();
    const role = ref.getSnapshot().context.role;
    const entry = rt.bag.add(ref, conn, role, now);
    rt.housekeeping.opened(entry);
    this.backoff.succeeded();
    this.lastOpenFailure = undefined;
    rt.counters.created++;
    rt.emit({ type: 'connection.opened', id: ref.id, role, at: now });
    conn.onLost?.((cause) => this.lost(entry, cause));
    if (rt.closing) {
      // Free, not leased, while it closes: stats and the drain count only real leases.
      rt.bag.putFree(entry, now);
      this.supervisor.send({ type: 'pool.retire', id: ref.id });
      return;
    }
    // In the supervisor's event listener: the guarded hand-off, so that nothing escapes it.
    if (!rt.sizing.admit(entry)) rt.lending.handOffOrFail(entry, performance.now());
  }

  /**
   * The driver saw the connection die on its own. A free one is failed (and so replaced) now; a
   * leased one is marked broken and failed when its holder releases it, as after a fatal error.
   */
  private lost(entry: Entry, cause: Error): void {
    if (entry.state === 'removed') return;
    entry.broken ??= cause;
    this.rt.lastFailure = cause;
    if (entry.state === 'free') this.fail(entry, cause);
  }

  private rejectUnopenable(lane: Lane, cause: Error | undefined, when = ''): void {
    lane.queue.rejectAll(
      new PoolError(
        'CONNECTION_FAILED',
        `could not open a connection: ${cause?.message ?? 'unknown'}${when}`,
        {
          cause,
        },
      ),
    );
  }

  private failed(ref: ConnectionRef, error: Error, wasOpen: boolean): void {
    const { rt } = this;
    rt.lastFailure = error;
    rt.counters.failed++;
    if (!wasOpen) {
      this.lastOpenFailure = error;
      this.backoff.failed(rt.options.scheduler.now());
    }
    const lane = wasOpen ? this.forget(ref) : rt.bag.laneOf(ref.getSnapshot().context.role);
    rt.emit({
      type: 'connection.failed',
      id: ref.id,
      role: lane.role,
      error,
      wasOpen,
      at: rt.options.scheduler.now(),
    });
    if (rt.closing || lane.queue.size === 0) return;
    // The supervisor emits once the failed child is gone from its registry: `live` counts the
    // others. When an open failed and nothing else is open or opening, nobody can serve the
    // waiters: reject them with the real cause instead of letting them hang. A failed open is never
    // retried here, so a broken database cannot make the pool spin; a connection that died after
    // opening is replaced (demand below) instead.
    const { live } = countRole(this.supervisor.getSnapshot().context.connections, lane.role);
    if (!wasOpen && live === 0 && lane.size === 0) return this.rejectUnopenable(lane, error);
    if (wasOpen) this.demand(lane);
  }

  private closed(ref: ConnectionRef): void {
    const lane = this.forget(ref);
    this.rt.emit({
      type: 'connection.closed',
      id: ref.id,
      role: lane.role,
      at: this.rt.options.scheduler.now(),
    });
  }

  /** Takes a connection the supervisor reports gone out of the bag, if still there. */
  protected forget(ref: ConnectionRef): Lane {
    const entry = this.rt.bag.get(ref);
    if (!entry) return this.rt.bag.laneOf(ref.getSnapshot().context.role);
    entry.expiry?.unsubscribe();
    if (this.rt.bag.remove(entry)) this.rt.counters.destroyed++;
    return entry.lane;
  }
}
