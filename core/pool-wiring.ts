import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { BuiltInOptionChecks, Driver } from './driver.js';
import type { Lease } from './lease/lease.js';
import type { ResolvedOptions } from './options/options.js';
import type { RunOptions } from './lending/pool-types.js';
import type { PoolStats } from './monitoring/stats.js';

/** What the stats-table writer needs from the pool. */
export interface StatsTableHost {
  stats(): PoolStats;
  transaction<T>(fn: (tx: Lease) => T | Promise<T>, options?: RunOptions): Promise<T>;
}

/** How the monitor runs the stats-table writer. */
export interface StatsTableWriterOptions {
  intervalMs: number;
  retentionMs: number | false;
  scheduler: SchedulerLike;
  /** Stops the writer when it emits. */
  end$: Observable<unknown>;
  /** Told of every failed write; the writer never throws. */
  onFailure(error: unknown): void;
  /** The pool's SQL dialect. Default `sqlite`. */
  dialect?: 'sqlite' | 'postgres';
}

/** Starts a stats-table writer; the subscription ends it. */
export type StatsTableWriter = (host: StatsTableHost, options: StatsTableWriterOptions) => Subscription;

/**
 * The parts a pool gets from outside the core: the driver it opens when the options name none,
 * and the stats-table writer. The composition root (create-pool.ts) passes SQLite (inline, or in
 * worker threads with `threads: true`) and the stats-table face, so the core never imports an
 * adapter.
 *
 * @example
 * ```ts
 * const pool = new Pool(options, { defaultDriver: (o) => sqliteDriver({ filename: o.filename }), statsTable });
 * ```
 */
export interface PoolWiring {
  /** The driver to open when `options.driver` is not set; may throw a PoolError (a missing binding). */
  defaultDriver(options: ResolvedOptions): Driver;
  /** Runs the `statsTable` option (monitoring rows written into the pool's own database). */
  statsTable: StatsTableWriter;
  /** Checks the options that configure the built-in driver (`filename`, `threads`, `pragmas`, ...). */
  checks: BuiltInOptionChecks;
}
