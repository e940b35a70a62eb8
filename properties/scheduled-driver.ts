import type { Driver, DriverConnection, Params } from '../core/driver.js';
import type { MemoryDriverLog, Schedule } from './memory-driver.js';

/**
 * Wraps a real driver (better-sqlite3) so that fast-check's scheduler decides when each of its
 * promises settles, and counts opens and closes. The database work itself is real; only the
 * moment the pool hears about it is chosen by the scheduler.
 *
 * @example
 * ```ts
 * const driver = scheduledDriver(sqliteDriver({ filename }), (task, label) => s.schedule(task, label));
 * ```
 */
export function scheduledDriver(inner: Driver, schedule: Schedule): Driver & { log: MemoryDriverLog } {
  const log: MemoryDriverLog = { openAttempts: 0, opened: 0, closed: 0, useAfterClose: 0, committed: 0 };
  const wrap = (conn: DriverConnection, id: number): DriverConnection => {
    let closed = false;
    const guard = <T>(label: string, work: () => Promise<T>): Promise<T> => {
      if (closed) log.useAfterClose++;
      return schedule(work(), `${label}#${id}`);
    };
    return {
      run: (sql: string, params?: Params) => guard('run', () => conn.run(sql, params)),
      get: <T>(sql: string, params?: Params) => guard('get', () => conn.get<T>(sql, params)),
      all: <T>(sql: string, params?: Params) => guard('all', () => conn.all<T>(sql, params)),
      exec: (sql: string) => guard('exec', () => conn.exec(sql)),
      isReadonly: (sql: string) => conn.isReadonly(sql),
      get inTransaction() {
        return conn.inTransaction;
      },
      get raw() {
        return conn.raw;
      },
      close() {
        if (!closed) {
          closed = true;
          log.closed++;
        }
        return schedule(conn.close(), `close#${id}`);
      },
    };
  };
  let ids = 0;
  return {
    name: `${inner.name} (scheduled)`,
    dialect: inner.dialect,
    singleWriter: inner.singleWriter,
    beginWrite: inner.beginWrite,
    maintenance: inner.maintenance,
    classify: (err) => inner.classify(err),
    log,
    open(role) {
      log.openAttempts++;
      const id = ++ids;
      return schedule(inner.open(role), `open#${id}`).then((conn) => {
        log.opened++;
        return wrap(conn, id);
      });
    },
  };
}
