/**
 * roas-pool: an actor-model connection pool for SQLite bots.
 *
 * @example
 * ```ts
 * import { createPool } from 'roas-pool';
 * const pool = createPool({ filename: 'bot.db' });
 * await pool.transaction(async (tx) => tx.run('INSERT INTO xp (user, points) VALUES (?, ?)', ['ann', 1]));
 * ```
 * @packageDocumentation
 */
export { Pool, type AcquireOptions, type RunOptions } from './core/pool.js';
export { createPool, defaultWiring } from './create-pool.js';
export type {
  PoolWiring,
  StatsTableWriter,
  StatsTableHost,
  StatsTableWriterOptions,
} from './core/pool-wiring.js';
export { Lease, type LeaseMode } from './core/lease/lease.js';
export {
  PoolError,
  isPoolError,
  ERROR_INFO,
  type ErrorCategory,
  type PoolErrorCode,
  type PoolStateSummary,
} from './core/errors/errors.js';
export { diagnose } from './create-pool.js';
export { diagnoseSqliteCode } from './adapters/drivers/sqlite/diagnose-sqlite.js';
export type { Diagnosis, ErrorKind, Handling } from './core/errors/diagnose.js';
export type { PoolOptions } from './core/options/options.js';
export type { PoolStats, PoolCounters } from './core/monitoring/stats.js';
export type {
  HistogramSummary,
  WindowStats,
  ConnectionsByState,
  MonitoringStats,
} from './core/monitoring/metrics-types.js';
export type { PoolMeasures, MeasureListener } from './core/monitoring/metrics.js';
export type { MonitorOptions, StatsTableOptions, AlertOptions } from './core/monitoring/monitor-options.js';
export type { PoolAlert, AlertCode } from './streams/alerts.js';
export { poolAlerts } from './streams/alerts.js';
export { STATS_TABLE_DDL } from './adapters/faces/stats-table.js';
export { debugLog } from './core/monitoring/inspect.js';
export { sqliteDriver, type SqliteDriverOptions } from './adapters/drivers/sqlite/sqlite.js';
export {
  nodeSqliteDriver,
  type NodeSqliteDriverOptions,
} from './adapters/drivers/node-sqlite/node-sqlite.js';
export { nodeSqliteAvailable } from './adapters/drivers/node-sqlite/node-sqlite-module.js';
export {
  threadDriver,
  type ThreadDriver,
  type ThreadDriverOptions,
} from './adapters/drivers/threads/thread-driver.js';
export {
  hybridDriver,
  type HybridDriver,
  type HybridDriverOptions,
} from './adapters/drivers/threads/hybrid-driver.js';
export type {
  Driver,
  DriverConnection,
  DriverTraits,
  Maintenance,
  MaintenanceTarget,
  BuiltInOptionChecks,
  ThreadMode,
  ConnectionRole,
  ErrorClass,
  Params,
  ReadOptions,
  RunResult,
  SyncStatements,
  WriteGate,
  WriteGateStats,
} from './core/driver.js';
export { ConnectionPoolManager } from './adapters/faces/connection-pool-manager.js';
export { createBotDb, type BotDb, type BotDbPool, type BotStatements } from './adapters/faces/bot-db.js';
export {
  serializableTransaction,
  type SerializableOptions,
} from './adapters/faces/serializable-transaction.js';
export type { PoolLifecycleEvent } from './core/monitoring/events.js';
