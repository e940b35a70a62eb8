import type { PoolStateSummary } from '../errors/errors.js';
import type { WriteGateStats } from '../driver.js';
import type { MonitoringStats } from './metrics-types.js';

/** Running totals since the pool was created. */
export interface PoolCounters {
  /** Leases granted. */
  acquired: number;
  /** Leases released (a double release is not counted here). */
  released: number;
  /** Acquires that hit their deadline (ACQUIRE_TIMEOUT). */
  timeouts: number;
  /** Acquires rejected at once because the wait queue was full (POOL_EXHAUSTED). */
  rejected: number;
  /** Acquires aborted through their AbortSignal. */
  aborted: number;
  /** Second releases of a lease (DOUBLE_RELEASE). */
  doubleReleases: number;
  /** Connections opened. */
  created: number;
  /** Connections closed or failed after being open. */
  destroyed: number;
  /** Connections that failed, while opening or after. */
  failed: number;
  /** Statements that raised an error. */
  statementErrors: number;
  /** Statements that gave up waiting for another process's write lock (SQLITE_BUSY). */
  busyTimeouts: number;
}

/** What `pool.stats()` returns. Connection counts are exact at the moment of the call. */
export interface PoolStats extends PoolStateSummary, PoolCounters, MonitoringStats {
  /** Connections the supervisor is opening. */
  opening: number;
  /** Read leases held. */
  leasedRead: number;
  /** Write leases held: 0 or 1 on SQLite. */
  leasedWrite: number;
  /** Requests waiting for a read lease. */
  waitingRead: number;
  /** Requests waiting for the write lane. */
  waitingWrite: number;
  /**
   * `read()` calls waiting for the event loop's next turn, holding no connection: the pool's work
   * ran `eventLoopBudgetMs` without one. They run in that turn, in the order they came. Not in
   * `waiting`, which counts the queue.
   */
  waitingForTurn: number;
  max: number;
  min: number;
  state: 'open' | 'closed';
  /**
   * The write lane shared with other processes on the same file (docs/shards.md): waits behind
   * another process, the processes seen, fallbacks to the file lock alone. Absent without one.
   */
  lane?: WriteGateStats;
}

/** Fresh counters, all zero. */
export function emptyCounters(): PoolCounters {
  return {
    acquired: 0,
    released: 0,
    timeouts: 0,
    rejected: 0,
    aborted: 0,
    doubleReleases: 0,
    created: 0,
    destroyed: 0,
    failed: 0,
    statementErrors: 0,
    busyTimeouts: 0,
  };
}
