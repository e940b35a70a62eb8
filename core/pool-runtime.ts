import type { Driver } from './driver.js';
import type { Bag } from './bag.js';
import type { PoolLifecycleEvent } from './events.js';
import type { Housekeeping } from './housekeeping.js';
import type { Lending } from './lending.js';
import type { Lifecycle } from './lifecycle.js';
import type { PoolMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { PoolSizing } from './pool-sizing.js';
import type { Shutdown } from './shutdown.js';
import type { PoolCounters } from './stats.js';

/**
 * What the parts of one pool share: its options and driver, the bag, the counters, and each
 * other. Built once by the `Pool` constructor (core/pool.ts); each part reads the others through
 * it at call time, so they may be built in any order. @internal
 */
export interface PoolRuntime {
  readonly options: ResolvedOptions;
  readonly driver: Driver;
  readonly counters: PoolCounters;
  readonly metrics: PoolMetrics;
  readonly createdAt: number;
  bag: Bag;
  lending: Lending;
  lifecycle: Lifecycle;
  housekeeping: Housekeeping;
  shutdown: Shutdown;
  sizing: PoolSizing;
  /** Set by `close()`: no acquire, open or resize from then on. */
  closing: boolean;
  /** The last connection failure: the cause of later timeouts. */
  lastFailure: Error | undefined;
  /** How long the last waiter served had waited (ms): a load signal for the sizer. */
  lastWaitMs: number;
  /** Publishes a lifecycle event; costs nothing when nobody listens. */
  emit(event: PoolLifecycleEvent): void;
}

/** The parts a pool is built from; properties/broken-pools.ts swaps one for a broken variant. @internal */
export interface PoolParts {
  bag: new (...args: ConstructorParameters<typeof Bag>) => Bag;
  lending: new (...args: ConstructorParameters<typeof Lending>) => Lending;
  shutdown: new (...args: ConstructorParameters<typeof Shutdown>) => Shutdown;
}
