import type { Subscription } from 'rxjs';
import { interval, takeUntil } from 'rxjs';
import { isPoolError } from '../../core/errors/errors.js';
import type { StatsTableHost, StatsTableWriterOptions } from '../../core/pool-wiring.js';
import type { PoolStats } from '../../core/monitoring/stats.js';
import { POSTGRES_STATS_TABLE_SQL } from './pg-stats-table.js';

export type { StatsTableHost, StatsTableWriterOptions } from '../../core/pool-wiring.js';

/** The monitoring table (docs/monitoring.md), exactly; created only if missing. */
export const STATS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS connection_pool_stats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    active_connections INTEGER DEFAULT 0,
    max_connections INTEGER DEFAULT 0,
    wait_time_ms INTEGER DEFAULT 0,
    error_count INTEGER DEFAULT 0
)`;

const COLUMNS = '(timestamp, active_connections, max_connections, wait_time_ms, error_count)';

/** The writer's SQL in each dialect: the table, one row, and the retention delete. */
const SQL = {
  sqlite: {
    ddl: STATS_TABLE_DDL,
    insert: `INSERT INTO connection_pool_stats ${COLUMNS} VALUES (?, ?, ?, ?, ?)`,
    prune: 'DELETE FROM connection_pool_stats WHERE timestamp < ?',
  },
  postgres: {
    ddl: POSTGRES_STATS_TABLE_SQL,
    insert: `INSERT INTO connection_pool_stats ${COLUMNS} VALUES ($1, $2, $3, $4, $5)`,
    prune: 'DELETE FROM connection_pool_stats WHERE timestamp < $1',
  },
} as const;

/** Rows kept in memory while writes fail or wait; the oldest go first past this. */
const MAX_PENDING = 60;
/** Rows a snapshot may defer while user writers wait for the write lane. */
const MAX_DEFERRED = 10;
/**
 * The least time a snapshot waits for the write lane. The wait can include opening a connection
 * (a PostgreSQL connect takes tens of ms, more on a loaded machine), so a deadline of one short
 * interval failed snapshots that would have succeeded; flushes never overlap (`writing`), so a
 * longer wait does not pile them up.
 */
const MIN_WAIT_MS = 5_000;

/** `at` (ms) in SQLite's CURRENT_TIMESTAMP format, UTC, so rows sort and prune by text (PostgreSQL parses it as a TIMESTAMP). */
export function sqliteTimestamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** The row of one snapshot, in the INSERT's column order. */
export function statsRow(s: PoolStats): [string, number, number, number, number] {
  return [sqliteTimestamp(s.at), s.leased, s.max, Math.round(s.window.acquireWait.p95Ms), s.window.errors];
}

/**
 * Writes a snapshot row into `connection_pool_stats` every `intervalMs`, in one short transaction
 * on the pool's own write lane that also creates the table if missing and prunes rows older than
 * `retentionMs`. A snapshot never gets in a user's way: while user writers wait for the lane it is
 * deferred (up to ten rows), and a failed write is reported through `onFailure`, never thrown; its
 * rows are kept and go with the next batch.
 *
 * @example
 * ```ts
 * const sub = statsTableWriter(pool, { intervalMs: 60_000, retentionMs: false, scheduler, end$, onFailure });
 * ```
 */
export function statsTableWriter(host: StatsTableHost, options: StatsTableWriterOptions): Subscription {
  const sql = SQL[options.dialect ?? 'sqlite'];
  const pending: [string, number, number, number, number][] = [];
  let writing = false;
  const flush = (): void => {
    const batch = pending.splice(0);
    writing = true;
    const cutoff =
      options.retentionMs === false
        ? undefined
        : sqliteTimestamp(options.scheduler.now() - options.retentionMs);
    host
      .transaction(
        async (tx) => {
          await tx.exec(sql.ddl);
          for (const row of batch) await tx.run(sql.insert, row);
          if (cutoff !== undefined) await tx.run(sql.prune, [cutoff]);
        },
        { timeoutMs: Math.max(options.intervalMs, MIN_WAIT_MS) },
      )
      .then(
        () => {
          writing = false;
        },
        (err: unknown) => {
          writing = false;
          // Closing the pool rejects a snapshot still queued for the lane: nothing failed.
          if (isPoolError(err, 'POOL_CLOSED')) return;
          pending.unshift(...batch.slice(Math.max(0, batch.length + pending.length - MAX_PENDING)));
          options.onFailure(err);
        },
      );
  };
  return interval(options.intervalMs, options.scheduler)
    .pipe(takeUntil(options.end$))
    .subscribe(() => {
      const s = host.stats();
      if (s.state === 'closed') return;
      pending.push(statsRow(s));
      if (pending.length > MAX_PENDING) pending.shift();
      if (writing || (s.waitingWrite > 0 && pending.length <= MAX_DEFERRED)) return;
      flush();
    });
}
