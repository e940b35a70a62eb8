import type { Maintenance } from '../../../core/driver.js';

/** The planner's statistics, bounded so a large database is not read whole (SQLite 3.32+). */
const OPTIMIZE = 'PRAGMA analysis_limit = 400; PRAGMA optimize;';

/**
 * SQLite's upkeep, as every SQLite driver offers it (better-sqlite3 inline and in threads,
 * node:sqlite): `PRAGMA optimize`, and the WAL's checkpoints. `wal_checkpoint` answers one row,
 * `{ busy, log, checkpointed }`: `log` is the WAL's size in frames, `busy` 1 when a reader kept a
 * RESTART or TRUNCATE from finishing.
 *
 * @example
 * ```ts
 * const driver: Driver = { ...traits, maintenance: sqliteMaintenance };
 * ```
 */
export const sqliteMaintenance: Maintenance = {
  async optimize(db) {
    await db.exec(OPTIMIZE);
    await db.get('PRAGMA wal_checkpoint(PASSIVE)');
  },
  async tidy(db) {
    await db.exec(OPTIMIZE);
    await db.get('PRAGMA wal_checkpoint(TRUNCATE)');
  },
  async logSize(db) {
    // NOOP (SQLite 3.51+) only reports; older versions read it as PASSIVE, which is harmless.
    const row = await db.get('PRAGMA wal_checkpoint(NOOP)');
    return Number(row?.log ?? 0);
  },
  async restartLog(db) {
    const row = await db.get('PRAGMA wal_checkpoint(RESTART)');
    return { restarted: row !== undefined && Number(row.busy) === 0, size: Number(row?.log ?? 0) };
  },
};
