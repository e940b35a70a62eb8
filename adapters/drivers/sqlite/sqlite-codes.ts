import type { CodeEntry } from '../../../core/errors/diagnose.js';

const DISK = 'check the disk, its free space and the kernel log; the pool replaces the connection';
const BUG = 'fix the SQL or the call that raised it';
const SQL = 'the caller handles it: validate the input or catch the error';
const OK = 'nothing to fix: this is not an error';

function io(what: string): CodeEntry {
  return ['evict-connection', 'fatal', `an I/O error: ${what}`, DISK];
}
function corrupt(what: string): CodeEntry {
  return [
    'fatal',
    'fatal',
    `the database is corrupt: ${what}`,
    'restore from a backup, or try `sqlite3 bot.db .recover`; run PRAGMA integrity_check',
  ];
}
function constraint(what: string): CodeEntry {
  return ['caller', 'statement', `a constraint failed: ${what}`, SQL];
}
function cantopen(what: string): CodeEntry {
  return ['fatal', 'fatal', `the database file cannot be opened: ${what}`, 'check the path and its folder'];
}
function readonly(what: string, remedy: string): CodeEntry {
  return ['fatal', 'fatal', `the database is read-only: ${what}`, remedy];
}

/**
 * What each SQLite result code means to a pool, keyed by the name better-sqlite3 puts in
 * `err.code` (the extended code when there is one): every primary and extended result code of
 * SQLite 3.53 (sqlite.org/rescode.html). Read through {@link diagnoseSqliteError}.
 */
export const SQLITE_CODES: Readonly<Record<string, CodeEntry>> = {
  SQLITE_OK: ['caller', 'statement', 'success', OK],
  SQLITE_ROW: ['caller', 'statement', 'a row is ready', OK],
  SQLITE_DONE: ['caller', 'statement', 'the statement finished', OK],
  SQLITE_OK_LOAD_PERMANENTLY: ['caller', 'statement', 'an extension loaded permanently', OK],
  SQLITE_OK_SYMLINK: ['caller', 'statement', 'a symlink was resolved', OK],
  SQLITE_ERROR: ['usage-bug', 'statement', 'the SQL is wrong (syntax, missing table or column)', BUG],
  SQLITE_ERROR_MISSING_COLLSEQ: ['usage-bug', 'statement', 'a collating sequence is missing', BUG],
  SQLITE_ERROR_RETRY: ['retry', 'statement', 'SQLite asked to prepare the statement again', 'retry it'],
  SQLITE_ERROR_SNAPSHOT: [
    'restart-transaction',
    'statement',
    'the historical snapshot asked for is gone',
    'start the read transaction again',
  ],
  SQLITE_ERROR_RESERVESIZE: ['usage-bug', 'statement', 'the reserve-bytes setting is invalid', BUG],
  SQLITE_ERROR_KEY: ['fatal', 'fatal', 'the encryption key is wrong', 'give the right key'],
  SQLITE_ERROR_UNABLE: ['fatal', 'statement', 'SQLite cannot perform the operation here', BUG],
  SQLITE_INTERNAL: ['evict-connection', 'fatal', 'an internal SQLite malfunction', 'report it to SQLite'],
  SQLITE_PERM: ['fatal', 'fatal', 'the access mode for the file was denied', 'fix the file permissions'],
  SQLITE_ABORT: [
    'restart-transaction',
    'statement',
    'the operation was aborted',
    'run the transaction again',
  ],
  SQLITE_ABORT_ROLLBACK: [
    'restart-transaction',
    'statement',
    'a ROLLBACK cancelled a pending statement',
    'run the transaction again',
  ],
  SQLITE_BUSY: [
    'retry',
    'busy',
    'another process holds the write lock',
    'the pool retries outside a transaction; inside one, restart the transaction',
  ],
  SQLITE_BUSY_RECOVERY: ['retry', 'busy', 'another process is recovering the WAL', 'wait and retry'],
  SQLITE_BUSY_TIMEOUT: ['retry', 'busy', 'a blocking lock wait timed out', 'wait and retry'],
  SQLITE_BUSY_SNAPSHOT: [
    'restart-transaction',
    'statement',
    'a read transaction tried to write after another connection committed',
    'start the transaction again; use BEGIN IMMEDIATE (pool.transaction) for read-then-write',
  ],
  SQLITE_LOCKED: [
    'restart-transaction',
    'statement',
    'a conflict inside the same connection (e.g. DROP TABLE while a query runs)',
    'finish or reset the other statement, then run again',
  ],
  SQLITE_LOCKED_SHAREDCACHE: [
    'restart-transaction',
    'statement',
    'a shared-cache lock is held by another connection',
    'do not use shared cache with a pool',
  ],
  SQLITE_LOCKED_VTAB: ['restart-transaction', 'statement', 'a virtual table is locked', 'run again'],
  SQLITE_NOMEM: [
    'evict-connection',
    'fatal',
    'SQLite could not allocate memory',
    'lower cache_size or statementCacheSize',
  ],
  SQLITE_READONLY: [
    'usage-bug',
    'read-only',
    'a write on a read-only connection or file',
    "write on a write lease ({ mode: 'write' }), and check the file is writable",
  ],
  SQLITE_READONLY_RECOVERY: readonly(
    'the WAL needs recovery by a writer',
    'open a read-write connection once',
  ),
  SQLITE_READONLY_CANTLOCK: readonly('the shared-memory file is read-only', 'make the -shm file writable'),
  SQLITE_READONLY_ROLLBACK: readonly('a hot journal needs rollback', 'open the database read-write once'),
  SQLITE_READONLY_DBMOVED: readonly('the file was moved or deleted under the pool', 'restore the file'),
  SQLITE_READONLY_CANTINIT: readonly('the shared memory cannot be initialised', 'make the folder writable'),
  SQLITE_READONLY_DIRECTORY: readonly('the folder is read-only', 'make the folder writable'),
  SQLITE_INTERRUPT: ['caller', 'statement', 'the statement was interrupted', 'run it again if still wanted'],
  SQLITE_IOERR: io('the OS reported a failure'),
  SQLITE_IOERR_READ: io('reading the file failed'),
  SQLITE_IOERR_SHORT_READ: io('the file is shorter than expected'),
  SQLITE_IOERR_WRITE: io('writing the file failed'),
  SQLITE_IOERR_FSYNC: io('fsync failed'),
  SQLITE_IOERR_DIR_FSYNC: io('fsync of the folder failed'),
  SQLITE_IOERR_TRUNCATE: io('truncating the file failed'),
  SQLITE_IOERR_FSTAT: io('fstat failed'),
  SQLITE_IOERR_UNLOCK: io('unlocking the file failed'),
  SQLITE_IOERR_RDLOCK: io('taking a read lock failed'),
  SQLITE_IOERR_DELETE: io('deleting a journal failed'),
  SQLITE_IOERR_BLOCKED: io('blocked (no longer used by SQLite)'),
  SQLITE_IOERR_NOMEM: io('out of memory during I/O'),
  SQLITE_IOERR_ACCESS: io('access() failed'),
  SQLITE_IOERR_CHECKRESERVEDLOCK: io('checking the reserved lock failed'),
  SQLITE_IOERR_LOCK: io('the file lock failed'),
  SQLITE_IOERR_CLOSE: io('closing the file failed'),
  SQLITE_IOERR_DIR_CLOSE: io('closing the folder failed'),
  SQLITE_IOERR_SHMOPEN: io('opening the -shm file failed'),
  SQLITE_IOERR_SHMSIZE: io('growing the -shm file failed'),
  SQLITE_IOERR_SHMLOCK: io('locking the -shm file failed'),
  SQLITE_IOERR_SHMMAP: io('mapping the -shm file failed'),
  SQLITE_IOERR_SEEK: io('seek failed'),
  SQLITE_IOERR_DELETE_NOENT: io('the file to delete was already gone'),
  SQLITE_IOERR_MMAP: io('memory-mapping the file failed'),
  SQLITE_IOERR_GETTEMPPATH: io('no temporary folder'),
  SQLITE_IOERR_CONVPATH: io('path conversion failed (Cygwin)'),
  SQLITE_IOERR_VNODE: io('the file changed under SQLite (vnode)'),
  SQLITE_IOERR_AUTH: io('file authorization failed'),
  SQLITE_IOERR_BEGIN_ATOMIC: io('starting an atomic write failed'),
  SQLITE_IOERR_COMMIT_ATOMIC: io('committing an atomic write failed'),
  SQLITE_IOERR_ROLLBACK_ATOMIC: io('rolling back an atomic write failed'),
  SQLITE_IOERR_DATA: io('a checksum mismatch (checksum VFS)'),
  SQLITE_IOERR_CORRUPTFS: io('the filesystem reported corruption'),
  SQLITE_IOERR_IN_PAGE: io('a memory-mapped page could not be read'),
  SQLITE_IOERR_BADKEY: io('the encryption key is wrong'),
  SQLITE_IOERR_CODEC: io('the encryption codec failed'),
  SQLITE_CORRUPT: corrupt('the file is malformed'),
  SQLITE_CORRUPT_VTAB: corrupt('a virtual table is malformed'),
  SQLITE_CORRUPT_SEQUENCE: corrupt('sqlite_sequence is malformed'),
  SQLITE_CORRUPT_INDEX: corrupt('an index is out of step with its table; REINDEX may fix it'),
  SQLITE_NOTFOUND: ['usage-bug', 'statement', 'an unknown file-control opcode', BUG],
  SQLITE_FULL: [
    'fatal',
    'statement',
    'the disk is full or max_page_count was reached',
    'free disk space or raise PRAGMA max_page_count; nothing committed was lost',
  ],
  SQLITE_CANTOPEN: cantopen('missing, or a permission denies it'),
  SQLITE_CANTOPEN_NOTEMPDIR: cantopen('no temporary folder'),
  SQLITE_CANTOPEN_ISDIR: cantopen('the path is a folder'),
  SQLITE_CANTOPEN_FULLPATH: cantopen('the full path cannot be resolved'),
  SQLITE_CANTOPEN_CONVPATH: cantopen('path conversion failed (Cygwin)'),
  SQLITE_CANTOPEN_DIRTYWAL: cantopen('a dirty WAL on a read-only open'),
  SQLITE_CANTOPEN_SYMLINK: cantopen('the path is a symlink and symlinks are refused'),
  SQLITE_PROTOCOL: ['retry', 'busy', 'a WAL locking race kept losing', 'wait and retry'],
  SQLITE_EMPTY: ['caller', 'statement', 'not used by SQLite', OK],
  SQLITE_SCHEMA: ['restart-transaction', 'statement', 'the schema changed under a statement', 'run again'],
  SQLITE_TOOBIG: ['caller', 'statement', 'a string or blob is larger than SQLITE_MAX_LENGTH', SQL],
  SQLITE_CONSTRAINT: constraint('a constraint'),
  SQLITE_CONSTRAINT_CHECK: constraint('a CHECK'),
  SQLITE_CONSTRAINT_COMMITHOOK: constraint('the commit hook'),
  SQLITE_CONSTRAINT_FOREIGNKEY: constraint('a FOREIGN KEY'),
  SQLITE_CONSTRAINT_FUNCTION: constraint('an extension function'),
  SQLITE_CONSTRAINT_NOTNULL: constraint('a NOT NULL'),
  SQLITE_CONSTRAINT_PRIMARYKEY: constraint('a PRIMARY KEY'),
  SQLITE_CONSTRAINT_TRIGGER: constraint('a RAISE in a trigger'),
  SQLITE_CONSTRAINT_UNIQUE: constraint('a UNIQUE'),
  SQLITE_CONSTRAINT_VTAB: constraint('a virtual table'),
  SQLITE_CONSTRAINT_ROWID: constraint('a rowid is not unique'),
  SQLITE_CONSTRAINT_PINNED: constraint('a row was deleted under an UPDATE'),
  SQLITE_CONSTRAINT_DATATYPE: constraint('a STRICT column type'),
  SQLITE_MISMATCH: ['usage-bug', 'statement', 'a datatype mismatch (e.g. a non-integer rowid)', BUG],
  SQLITE_MISUSE: [
    'usage-bug',
    'fatal',
    'the SQLite API was misused',
    'report it: the connection is replaced',
  ],
  SQLITE_NOLFS: [
    'fatal',
    'statement',
    'the file grew past what the OS supports',
    'use a filesystem with LFS',
  ],
  SQLITE_AUTH: ['usage-bug', 'statement', 'the authorizer denied the statement', BUG],
  SQLITE_AUTH_USER: ['usage-bug', 'statement', 'the user-auth extension denied access', BUG],
  SQLITE_FORMAT: ['usage-bug', 'statement', 'not used by SQLite', BUG],
  SQLITE_RANGE: ['usage-bug', 'statement', 'a parameter index is out of range', 'pass as many values as `?`'],
  SQLITE_NOTADB: [
    'fatal',
    'fatal',
    'the file is not a SQLite database (its header is wrong)',
    'check the path; restore the file from a backup',
  ],
  SQLITE_NOTICE: ['caller', 'statement', 'a notice (logged only)', OK],
  SQLITE_NOTICE_RECOVER_WAL: ['caller', 'statement', 'a WAL was recovered', OK],
  SQLITE_NOTICE_RECOVER_ROLLBACK: ['caller', 'statement', 'a hot journal was rolled back', OK],
  SQLITE_NOTICE_RBU: ['caller', 'statement', 'an RBU notice', OK],
  SQLITE_WARNING: ['caller', 'statement', 'a warning (logged only)', OK],
  SQLITE_WARNING_AUTOINDEX: ['caller', 'statement', 'an automatic index was built', 'add the index'],
};
