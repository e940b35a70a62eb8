/**
 * The `roas-pool/postgres` entry point: the PostgreSQL driver (over `pg`, an optional peer
 * dependency), its error helpers, and the stats table's PostgreSQL DDL. The main entry point never
 * loads `pg`.
 *
 * @example
 * ```ts
 * import { createPool } from 'roas-pool';
 * import { postgresDriver } from 'roas-pool/postgres';
 * const pool = createPool({ driver: postgresDriver({ connectionString: process.env.DATABASE_URL }) });
 * ```
 * @packageDocumentation
 */
export * from './adapters/drivers/postgres/postgres.js';
export { POSTGRES_STATS_TABLE_SQL } from './adapters/faces/pg-stats-table.js';
