import type { Driver } from '../driver.js';
import type { Bag } from '../lending/bag.js';
import type { ResolvedOptions } from '../options/options.js';
import type { LendingPart, LifecyclePart } from '../pool-runtime.js';
import type { PoolMetrics } from './metrics.js';
import type { PoolCounters, PoolStats } from './stats.js';

/** What a stats snapshot reads of the pool. @internal */
export interface StatsHost {
  readonly options: Pick<ResolvedOptions, 'scheduler'>;
  readonly driver: Pick<Driver, 'writeGate'>;
  readonly bag: Pick<Bag, 'entries' | 'readLane' | 'summary' | 'writeLane'>;
  readonly lifecycle: Pick<LifecyclePart, 'bounds' | 'opening'>;
  readonly lending: Pick<LendingPart, 'turnWaits'>;
  readonly counters: PoolCounters;
  readonly metrics: Pick<PoolMetrics, 'stats'>;
  readonly closing: boolean;
  readonly createdAt: number;
}

/**
 * A snapshot of the pool's connections, waiters and counters (`Pool.stats()`): counts are read from
 * the bag and the supervisor's children, never kept twice. @internal
 */
export function poolStats(rt: StatsHost): PoolStats {
  const { bag, lifecycle } = rt;
  const summary = bag.summary();
  const split = bag.writeLane !== bag.readLane;
  const leasedWrite = split ? bag.writeLane.size - bag.writeLane.free.length : 0;
  let broken = 0;
  for (const entry of bag.entries()) if (entry.broken) broken++;
  const opening = lifecycle.opening(bag.readLane) + (split ? lifecycle.opening(bag.writeLane) : 0);
  const leasedRead = summary.leased - leasedWrite;
  const { min, max } = lifecycle.bounds();
  const now = rt.options.scheduler.now();
  return {
    ...summary,
    opening,
    leasedRead,
    leasedWrite,
    waitingRead: bag.readLane.queue.size,
    waitingWrite: split ? bag.writeLane.queue.size : 0,
    waitingForTurn: rt.lending.turnWaits?.() ?? 0,
    max,
    min,
    state: rt.closing ? 'closed' : 'open',
    ...rt.counters,
    ...(rt.driver.writeGate === undefined ? {} : { lane: rt.driver.writeGate.stats() }),
    at: now,
    uptimeMs: now - rt.createdAt,
    connections: {
      opening,
      idle: summary.idle,
      leasedRead,
      leasedWrite,
      failed: broken,
    },
    ...rt.metrics.stats(now),
  };
}
