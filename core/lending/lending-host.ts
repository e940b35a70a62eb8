import type { Driver } from '../driver.js';
import type { Bag } from './bag.js';
import type { PoolLifecycleEvent } from '../monitoring/events.js';
import type { PoolMetrics } from '../monitoring/metrics.js';
import type { PoolCounters } from '../monitoring/stats.js';
import type { ResolvedOptions } from '../options/options.js';
import type { HousekeepingPart, LifecyclePart } from '../pool-runtime.js';
import type { PoolSizing } from '../sizing/pool-sizing.js';

/**
 * What lending asks of the rest of the pool, and no more (core/lending/lending.ts). Its own file,
 * so that the hot path's file holds the hot path. @internal
 */
export interface LendingHost {
  readonly options: Pick<
    ResolvedOptions,
    | 'acquireTimeoutMs'
    | 'busyTimeoutMs'
    | 'eventLoopBudgetMs'
    | 'leakDetectionThresholdMs'
    | 'leakStacks'
    | 'maxWaiting'
    | 'scheduler'
    | 'validateAfterIdleMs'
  >;
  /** The statement errors' diagnosis reads the driver; the write gate is the cross-process lane. */
  readonly driver: Driver;
  readonly bag: Pick<
    Bag,
    | 'entries'
    | 'laneFor'
    | 'lend'
    | 'nextWaiter'
    | 'putFree'
    | 'readLane'
    | 'summary'
    | 'takeFree'
    | 'waiting'
    | 'writeLane'
  >;
  readonly counters: PoolCounters;
  readonly metrics: Pick<PoolMetrics, 'held' | 'raised' | 'waited' | 'waitedNone'>;
  /** Reached at call time: built after lending. */
  readonly housekeeping: Pick<HousekeepingPart, 'readerReturned' | 'replaceExpired' | 'validated' | 'wrote'>;
  readonly lifecycle: Pick<LifecyclePart, 'fail' | 'sample'>;
  readonly sizing: Pick<PoolSizing, 'overfull' | 'retireIfOverfull'>;
  /** Set once close() began: no acquire from then on. */
  readonly closing: boolean;
  /** Set when a statement finds its connection dead: the cause of later timeouts. */
  lastFailure: Error | undefined;
  /** Set at each hand-off to a waiter: how long it waited (ms), a load signal for the sizer. */
  lastWaitMs: number;
  emit(event: PoolLifecycleEvent): void;
  listening(): boolean;
  hold<T>(work: Promise<T>): Promise<T>;
}
