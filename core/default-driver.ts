import type { Driver } from '../adapters/driver.js';
import { checkSqliteBinding } from '../adapters/native-binding.js';
import { sqliteDriver } from '../adapters/sqlite.js';
import { threadDriver } from '../adapters/thread-driver.js';
import type { ResolvedOptions } from './options.js';

/**
 * The driver a pool uses: `options.driver` when given, else SQLite on `filename`, inline or on
 * worker threads (`threads`). The one place the pool picks a driver. @internal
 */
export function defaultDriver(o: ResolvedOptions): Driver {
  if (o.driver) return o.driver;
  checkSqliteBinding(); // NATIVE_BINDING_MISSING here, not at the first acquire
  const sqlite = {
    filename: o.filename as string,
    pragmas: o.pragmas,
    statementCacheSize: o.statementCacheSize,
    maxResultRows: o.maxResultRows,
    maxResultBytes: o.maxResultBytes,
  };
  return o.threads ? threadDriver(sqlite) : sqliteDriver(sqlite);
}
