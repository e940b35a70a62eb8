import type { Driver } from './driver.js';
import type { Bag } from './lending/bag.js';
import type { PoolLifecycleEvent } from './monitoring/events.js';
import type { HeldLease, HoldingCall, LeaseCallback } from './lease/held-lease.js';
import type { Lease, LeaseMode } from './lease/lease.js';
import type { PoolMetrics } from './monitoring/metrics.js';
import type { ResolvedOptions } from './options/options.js';
import type { PoolSizing } from './sizing/pool-sizing.js';
import type { AcquireOptions, Entry, Lane } from './lending/pool-types.js';
import type { PoolCounters } from './monitoring/stats.js';

/**
 * The state one pool's composition keeps: its options and driver, the bag, the counters, the flags
 * the parts share (`closing`, `lastFailure`, `lastWaitMs`) and the parts themselves. Built once by
 * `composePool` (core/compose.ts), in this order: the bag, lending, nesting, the lifecycle,
 * housekeeping, sizing, shutdown. A part's constructor reads only the parts built before it
 * (lending and housekeeping read the bag's lanes); later ones it reaches at call time. No part
 * takes it whole: each names what it uses in a narrow host (`BagHost`, `LendingHost`,
 * `LifecycleHost`, `HousekeepingHost`, `SizingHost`, `ShutdownHost`, `NestingHost`), and this one
 * object fills them all. @internal
 */
export interface PoolRuntime {
  readonly options: ResolvedOptions;
  readonly driver: Driver;
  readonly counters: PoolCounters;
  readonly metrics: PoolMetrics;
  readonly createdAt: number;
  bag: Bag;
  lending: LendingPart;
  lifecycle: LifecyclePart;
  housekeeping: HousekeepingPart;
  shutdown: ShutdownPart;
  sizing: PoolSizing;
  /** Set by `close()`: no acquire, open or resize from then on. */
  closing: boolean;
  /** The last connection failure: the cause of later timeouts. */
  lastFailure: Error | undefined;
  /** How long the last waiter served had waited (ms): a load signal for the sizer. */
  lastWaitMs: number;
  /** Publishes a lifecycle event; costs nothing when nobody listens. */
  emit(event: PoolLifecycleEvent): void;
  /** True when somebody subscribed to `events$`: otherwise leaks and close speak as Node warnings. */
  listening(): boolean;
  /**
   * Keeps the process alive until `work` settles, when the pool's timers are unref'd (the default
   * scheduler): work a caller awaits must not be cut short by an exit. Returns `work`.
   */
  hold<T>(work: Promise<T>): Promise<T>;
}

// The parts see each other through these shapes, not through their classes, so that no part's
// module imports another's (and the type-only import graph of core/ stays acyclic).

/** What the other parts use of lending (core/lending/lending.ts). @internal */
export interface LendingPart {
  acquire(options?: AcquireOptions, stack?: string): Promise<Lease>;
  grant(entry: Entry, mode: LeaseMode, now: number, t: number, stack?: string): Lease;
  handOff(entry: Entry, t: number): void;
  /** {@link handOff} where an exception must not escape (a timer, an event listener): the connection fails instead. */
  handOffOrFail(entry: Entry, t: number): void;
  /**
   * A free connection lent now without a promise, or undefined: then `acquire` it; or a promise of
   * the event loop's next turn: wait for it, holding nothing, and ask again.
   */
  grantNow?(mode: LeaseMode): Lease | Promise<void> | undefined;
  /** Reads that {@link grantNow} told to wait for the event loop's next turn, waiting now. */
  turnWaits?(): number;
  /** Stops watching `lease` for leaks: the pool's own housekeeping holds it. */
  unwatch?(lease: Lease): void;
  /** Stops the leak watch's timer (the pool is closing). */
  stop?(): void;
}

/** How nested pool calls join the lease their async context holds (core/lease/nesting.ts). @internal */
export interface NestingPart {
  /** The open hold of the calling async context on this pool's write lease, if any. */
  current(): HeldLease | undefined;
  /** Runs a `pool.write()` or `pool.transaction()` callback on the lease `acquired` brings; releases it. */
  hold<T>(acquired: Promise<Lease>, call: HoldingCall, fn: LeaseCallback<T>, stack?: string): Promise<T>;
  /** Runs a nested call on `held`'s lease, after the nested calls queued before it. */
  join<T>(held: HeldLease, call: HoldingCall, fn: LeaseCallback<T>, signal?: AbortSignal): Promise<T>;
  /** The NESTED_ACQUIRE error for an `acquire({ mode: 'write' })` made inside `held`. */
  nestedAcquire(held: HeldLease): Error;
}

/** What the other parts use of the lifecycle (core/lifecycle/lifecycle.ts). @internal */
export interface LifecyclePart {
  watch(lane: Lane): { unsubscribe(): void };
  bounds(): { min: number; max: number };
  opening(lane: Lane): number;
  open(lane: Lane, count: number): void;
  setBounds(min: number, max: number): void;
  retire(entry: Entry): void;
  fail(entry: Entry, error: Error): void;
  closeAll(): Promise<void>;
  sample(): void;
  demand(lane: Lane): void;
}

/** What the other parts use of housekeeping (core/upkeep/housekeeping.ts). @internal */
export interface HousekeepingPart {
  stop(): void;
  opened(entry: Entry): void;
  wrote(): void;
  readerReturned(): void;
  validated(
    entry: Entry,
    mode: LeaseMode,
    options: AcquireOptions | undefined,
    stack?: string,
  ): Promise<Lease>;
  replaceExpired(entry: Entry): void;
  optimize(): Promise<void>;
}

/** What the other parts use of shutdown (core/lifecycle/shutdown.ts). @internal */
export interface ShutdownPart {
  close(): Promise<void>;
}
