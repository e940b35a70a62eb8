import type { SchedulerLike } from 'rxjs';
import type { ConnectionRole, DriverConnection } from '../driver.js';
import type { ConnectionRef } from '../../machines/pool.machine.js';
import { acquireQueue, type Waiter } from '../../streams/acquire-queue.js';
import type { PoolError } from '../errors/errors.js';
import type { Lease, LeaseMode } from '../lease/lease.js';
import type { Entry, Lane, Waiting } from './pool-types.js';

/** What the bag needs from the pool: a clock, and the errors its queues reject waiters with. @internal */
export interface BagHost {
  readonly scheduler: SchedulerLike;
  readonly singleWriter: boolean;
  /** The error of a waiter of the `role` lane whose deadline passed. */
  timeoutError(role: ConnectionRole): PoolError;
  abortError(signal: AbortSignal): PoolError;
  /** Holds the process open while a lane has waiters; none with a scheduler of the caller's. */
  keepAlive?: () => () => void;
}

/**
 * The bag that lends: the one registry of open connections, their lanes' free lists (LIFO) and
 * FIFO wait queues. Modelled on HikariCP's `ConcurrentBag`: it knows each entry's state (`free`,
 * `leased`, `reserved`, `removed`) and nothing about SQL: cleaning a returned connection, timing
 * and lease objects are the lending's business (core/lending/lending.ts). @internal
 *
 * @example
 * ```ts
 * const bag = new Bag({ scheduler, singleWriter: true, timeoutError, abortError });
 * const entry = bag.add(ref, conn, 'reader', scheduler.now()); // reserved until handed on
 * bag.putFree(entry, scheduler.now());
 * bag.takeFree(bag.readLane); // the same entry, now leased
 * ```
 */
export class Bag {
  readonly readLane: Lane;
  readonly writeLane: Lane;
  private readonly registry = new Map<ConnectionRef, Entry>();
  private whenIdle: (() => void) | undefined;

  constructor(protected readonly host: BagHost) {
    if (host.singleWriter) {
      this.readLane = this.lane('reader');
      this.writeLane = this.lane('writer');
    } else {
      this.readLane = this.writeLane = this.lane('any');
    }
  }

  /** Builds one lane and its wait queue; a broken bag in properties/ overrides it. */
  protected lane(role: ConnectionRole): Lane {
    const { scheduler } = this.host;
    const queue = acquireQueue<Lease, Waiting>({
      scheduler,
      timeoutError: () => this.host.timeoutError(role),
      abortError: (signal) => this.host.abortError(signal),
      keepAlive: this.host.keepAlive,
    });
    return { role, size: 0, free: [], queue };
  }

  lanes(): Lane[] {
    return this.writeLane === this.readLane ? [this.readLane] : [this.readLane, this.writeLane];
  }

  laneFor(mode: LeaseMode): Lane {
    return mode === 'write' ? this.writeLane : this.readLane;
  }

  laneOf(role: ConnectionRole): Lane {
    return role === this.writeLane.role ? this.writeLane : this.readLane;
  }

  /** Registers a connection that just opened, `reserved` until the pool hands it on. */
  add(ref: ConnectionRef, conn: DriverConnection, role: ConnectionRole, now: number): Entry {
    const lane = this.laneOf(role);
    const entry: Entry = {
      ref,
      conn,
      lane,
      state: 'reserved',
      broken: undefined,
      revoked: undefined,
      idleSince: now,
      expired: false,
      expiry: undefined,
      heldSince: 0,
      grantedAt: 0,
      grantMode: 'read',
      grantStack: undefined,
      leakReported: false,
    };
    this.registry.set(ref, entry);
    lane.size++;
    return entry;
  }

  get(ref: ConnectionRef): Entry | undefined {
    return this.registry.get(ref);
  }

  /** Every entry in the bag, free or not. */
  entries(): IterableIterator<Entry> {
    return this.registry.values();
  }

  /** The most recently used free entry of `lane`, now leased; undefined when none is free. */
  takeFree(lane: Lane): Entry | undefined {
    const entry = lane.free.pop();
    if (entry) entry.state = 'leased';
    return entry;
  }

  /** Lends `entry` to a holder: one taken free, handed on at a release, or just validated. */
  lend(entry: Entry): void {
    entry.state = 'leased';
  }

  /** Keeps `entry` off its free list for the pool's own use (validation), lent to no holder. */
  reserve(entry: Entry): void {
    this.unfree(entry);
    entry.state = 'reserved';
  }

  /** The oldest waiter of `lane` still waiting, taken out of line. */
  nextWaiter(lane: Lane): Waiter<Lease, Waiting> | undefined {
    return lane.queue.shift();
  }

  /** Puts a returned or new entry on its lane's free list. */
  putFree(entry: Entry, now: number): void {
    entry.state = 'free';
    entry.idleSince = now;
    entry.lane.free.push(entry);
    this.checkIdle();
  }

  /** Takes `entry` out of the bag for good; false when it was already out. */
  remove(entry: Entry): boolean {
    if (this.registry.get(entry.ref) !== entry) return false;
    this.registry.delete(entry.ref);
    this.unfree(entry);
    entry.state = 'removed';
    entry.lane.size--;
    this.checkIdle();
    return true;
  }

  /** Connections open, lent (leased or reserved) and free, and requests waiting in both lanes. */
  summary(): { total: number; leased: number; idle: number; waiting: number } {
    let total = 0;
    let idle = 0;
    for (const lane of this.lanes()) {
      total += lane.size;
      idle += lane.free.length;
    }
    return { total, leased: total - idle, idle, waiting: this.waiting() };
  }

  /** Requests waiting in both lanes: `maxWaiting` bounds this sum. */
  waiting(): number {
    return this.readLane.queue.size + (this.writeLane === this.readLane ? 0 : this.writeLane.queue.size);
  }

  /** Resolves once no entry is lent (at once if none is), or when `cancel` is called. */
  untilIdle(): { done: Promise<void>; cancel(): void } {
    let cancel = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      this.whenIdle = resolve;
      cancel = resolve;
    });
    this.checkIdle();
    return { done, cancel };
  }

  private checkIdle(): void {
    if (this.whenIdle && this.summary().leased === 0) this.whenIdle();
  }

  private unfree(entry: Entry): void {
    const i = entry.lane.free.indexOf(entry);
    if (i >= 0) entry.lane.free.splice(i, 1);
  }
}
