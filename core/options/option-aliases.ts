/**
 * Names users bring from other pools and drivers, mapped to this pool's option or to the place the
 * setting belongs. Unknown keys are matched here first (by meaning), then by unit suffix
 * (`idleTimeoutMillis` is `idleTimeoutMs`), and only then by spelling.
 */

/** Where a foreign option name leads: `use` names the pool option; `note` says more, or where it belongs. */
export interface Alias {
  /** Which library uses the name. */
  readonly from: string;
  /** The pool option with the same meaning, if there is one. */
  readonly use?: string;
  /** What differs, or, without `use`, where the setting belongs instead. */
  readonly note?: string;
}

const POSTGRES_CONNECTION =
  "a connection setting, not a pool option: pass it to postgresDriver({ ... }) from 'roas-pool/postgres', as createPool({ driver: postgresDriver({ connectionString }) })";
const IDLE_CHECK =
  'the pool checks idle readers on its own schedule; idleTimeoutMs sets how long one may stay unused';

/** Keys are lower-case: lookups ignore case. */
const ALIASES: Readonly<Record<string, Alias>> = {
  // HikariCP
  maximumpoolsize: { from: 'HikariCP', use: 'max' },
  minimumidle: { from: 'HikariCP', use: 'min', note: 'connections kept open even when idle' },
  connectiontimeout: { from: 'HikariCP', use: 'acquireTimeoutMs' },
  idletimeout: { from: 'HikariCP', use: 'idleTimeoutMs' },
  maxlifetime: { from: 'HikariCP', use: 'maxLifetimeMs' },
  leakdetectionthreshold: { from: 'HikariCP', use: 'leakDetectionThresholdMs' },
  keepalivetime: {
    from: 'HikariCP',
    use: 'validateAfterIdleMs',
    note: 'a connection idle this long runs SELECT 1 before it is lent again',
  },
  jdbcurl: {
    from: 'HikariCP',
    use: 'filename',
    note: "for SQLite; for PostgreSQL, driver: postgresDriver({ connectionString }) from 'roas-pool/postgres'",
  },
  poolname: { from: 'HikariCP', note: 'pools have no name; tag your own log lines or metrics labels' },
  autocommit: {
    from: 'HikariCP',
    note: 'statements outside pool.transaction() always autocommit; pool.transaction() wraps BEGIN and COMMIT',
  },
  transactionisolation: {
    from: 'HikariCP',
    note: "PostgreSQL only: postgresDriver({ isolationLevel: 'serializable' }); SQLite transactions are serializable",
  },
  // tarn.js / knex
  acquiretimeoutmillis: { from: 'tarn, generic-pool', use: 'acquireTimeoutMs' },
  createtimeoutmillis: {
    from: 'tarn',
    note: 'not a pool option: on PostgreSQL, postgresDriver({ connectionTimeoutMillis }) bounds each connect; a SQLite file opens at once',
  },
  destroytimeoutmillis: {
    from: 'tarn, generic-pool',
    use: 'closeTimeoutMs',
    note: 'how long close() waits for leases before rolling their transactions back',
  },
  idletimeoutmillis: { from: 'tarn, generic-pool, pg.Pool', use: 'idleTimeoutMs' },
  reapintervalmillis: { from: 'tarn', use: 'idleTimeoutMs', note: IDLE_CHECK },
  createretryintervalmillis: {
    from: 'tarn',
    use: 'reconnectBackoffMs',
    note: 'the first wait after a failed open, doubled per failure up to reconnectBackoffMaxMs',
  },
  propagatecreateerror: {
    from: 'tarn',
    note: 'always on: when no connection can open, waiters are rejected at once with CONNECTION_FAILED and its cause',
  },
  // generic-pool
  maxwaitingclients: { from: 'generic-pool', use: 'maxWaiting' },
  evictionrunintervalmillis: { from: 'generic-pool', use: 'idleTimeoutMs', note: IDLE_CHECK },
  softidletimeoutmillis: {
    from: 'generic-pool',
    use: 'idleTimeoutMs',
    note: 'idle readers are closed down to min, never below',
  },
  numtestsperevictionrun: {
    from: 'generic-pool',
    note: 'every reader idle past idleTimeoutMs is closed, down to min; nothing to set',
  },
  testonborrow: {
    from: 'generic-pool',
    use: 'validateAfterIdleMs',
    note: 'a connection idle this long runs SELECT 1 before it is lent; 0 never',
  },
  fifo: {
    from: 'generic-pool',
    note: 'waiters are always served first come, first served; free connections are reused most recently used first',
  },
  priorityrange: {
    from: 'generic-pool',
    note: "no priorities: on SQLite, write leases wait in a lane of their own (acquire({ mode: 'write' }))",
  },
  autostart: {
    from: 'generic-pool',
    use: 'min',
    note: 'connections open on demand; min opens that many at once',
  },
  // pg.Pool
  connectiontimeoutmillis: {
    from: 'pg.Pool',
    use: 'acquireTimeoutMs',
    note: 'the wait for a connection; on PostgreSQL the connect itself is bounded by postgresDriver({ connectionTimeoutMillis })',
  },
  maxuses: { from: 'pg.Pool', use: 'maxLifetimeMs', note: 'connections retire by age, not by use count' },
  maxlifetimeseconds: { from: 'pg.Pool', use: 'maxLifetimeMs', note: 'in ms: seconds x 1000' },
  allowexitonidle: {
    from: 'pg.Pool',
    note: 'not an option: call await pool.close() when the script is done, which also checkpoints the WAL',
  },
  connectionstring: { from: 'pg', note: POSTGRES_CONNECTION },
  host: { from: 'pg', note: POSTGRES_CONNECTION },
  port: { from: 'pg', note: POSTGRES_CONNECTION },
  user: { from: 'pg', note: POSTGRES_CONNECTION },
  password: { from: 'pg', note: POSTGRES_CONNECTION },
  ssl: { from: 'pg', note: POSTGRES_CONNECTION },
  database: {
    from: 'pg, knex',
    use: 'filename',
    note: 'for a SQLite file; for PostgreSQL, postgresDriver({ database })',
  },
  // better-sqlite3
  readonly: {
    from: 'better-sqlite3',
    note: "readers are already opened read-only (query_only); a pool that must never write uses pool.read() and acquire({ mode: 'read' }) only",
  },
  timeout: {
    from: 'better-sqlite3',
    use: 'busyTimeoutMs',
    note: "the pool waits out another process's lock in its queue, without blocking the event loop",
  },
  verbose: {
    from: 'better-sqlite3',
    note: 'not a pool option: inspect: debugLog() logs what the machines do, and pool.events$ carries every connection and lease event',
  },
  filemustexist: {
    from: 'better-sqlite3',
    note: 'a driver option: createPool({ driver: sqliteDriver({ filename, fileMustExist: true }) })',
  },
  safeintegers: {
    from: 'better-sqlite3',
    note: 'a driver option, not a pool one: createPool({ driver: sqliteDriver({ filename, safeIntegers: true }) }) (or threadDriver) reads every INTEGER as a bigint; for one statement, lease.raw gives the better-sqlite3 Database, whose statement.safeIntegers() applies',
  },
  nativebinding: { from: 'better-sqlite3', note: "the pool loads better-sqlite3's own binding" },
  // Other pools and habits
  maxconnections: { from: 'many pools', use: 'max' },
  connectionlimit: { from: 'mysql2', use: 'max' },
  poolsize: { from: 'many pools', use: 'max' },
  maxpoolsize: { from: 'MongoDB', use: 'max' },
  maxsize: { from: 'many pools', use: 'max' },
  size: { from: 'many pools', use: 'max' },
  minconnections: { from: 'many pools', use: 'min' },
  minpoolsize: { from: 'MongoDB', use: 'min' },
  minsize: { from: 'many pools', use: 'min' },
  queuelimit: { from: 'mysql2', use: 'maxWaiting' },
  maxqueue: { from: 'many pools', use: 'maxWaiting' },
  acquiretimeout: { from: 'many pools', use: 'acquireTimeoutMs' },
  waitqueuetimeoutms: { from: 'MongoDB', use: 'acquireTimeoutMs' },
  timeoutms: {
    from: 'acquire()',
    use: 'acquireTimeoutMs',
    note: 'timeoutMs is the per-call form: acquire({ timeoutMs }) or pool.read(fn, { timeoutMs })',
  },
  busytimeout: { from: 'SQLite', use: 'busyTimeoutMs' },
  busy_timeout: { from: 'SQLite', use: 'busyTimeoutMs' },
  maxidletimems: { from: 'MongoDB', use: 'idleTimeoutMs' },
  file: { from: 'many drivers', use: 'filename' },
  path: { from: 'many drivers', use: 'filename' },
  db: { from: 'many drivers', use: 'filename' },
  dbpath: { from: 'many drivers', use: 'filename' },
  storage: { from: 'Sequelize', use: 'filename' },
  connection: {
    from: 'knex',
    use: 'filename',
    note: "for SQLite; for PostgreSQL, driver: postgresDriver(connection) from 'roas-pool/postgres'",
  },
  synchronous: {
    from: 'SQLite',
    use: 'pragmas',
    note: "pragmas: { synchronous: 'FULL' }; the default is NORMAL in WAL mode (see docs/durability.md)",
  },
  journalmode: { from: 'SQLite', note: 'WAL is always on: the pool needs readers alongside the writer' },
  journal_mode: { from: 'SQLite', note: 'WAL is always on: the pool needs readers alongside the writer' },
  wal: { from: 'SQLite', note: 'WAL is always on: the pool needs readers alongside the writer' },
  cachesize: {
    from: 'SQLite',
    use: 'pragmas',
    note: "pragmas: { cache_size: -64000 } sizes SQLite's page cache; statementCacheSize counts prepared statements",
  },
  workers: { from: 'many pools', use: 'threads' },
  worker: { from: 'many pools', use: 'threads' },
  workerthreads: { from: 'many pools', use: 'threads' },
  usethreads: { from: 'many pools', use: 'threads' },
  mode: {
    from: 'acquire()',
    note: "mode is per lease: acquire({ mode: 'write' }), pool.write() or pool.transaction()",
  },
};

/** The entry for `key` (any case), if another pool or driver uses that name. */
export function aliasOf(key: string): Alias | undefined {
  return Object.prototype.hasOwnProperty.call(ALIASES, key.toLowerCase())
    ? ALIASES[key.toLowerCase()]
    : undefined;
}

/** Every name in the table, lower-case: for tests and docs. */
export function aliasNames(): string[] {
  return Object.keys(ALIASES);
}

const UNIT = /(millis|milliseconds|msec|ms|seconds|secs|sec|s)$/i;

/**
 * The known option `key` means once its unit suffix is normalised: `idleTimeoutMillis` and
 * `idleTimeoutSeconds` lead to `idleTimeoutMs` (with a note when the unit differs).
 */
export function byUnit(key: string, known: readonly string[]): { use: string; note?: string } | undefined {
  const match = UNIT.exec(key);
  if (!match) return undefined;
  const base = key.slice(0, match.index).toLowerCase();
  if (base === '') return undefined;
  const use = known.find((name) => name.toLowerCase() === `${base}ms`);
  if (!use) return undefined;
  return /^s/i.test(match[1] as string) ? { use, note: 'in ms: seconds x 1000' } : { use };
}
