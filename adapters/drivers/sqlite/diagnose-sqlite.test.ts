import test from 'ava';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { classifySqliteError } from './sqlite.js';
import { PoolError } from '../../../core/errors/errors.js';
import { poolCodes } from '../../../core/errors/diagnose.js';
import { diagnose } from '../../../create-pool.js';
import { diagnoseSqliteCode, sqliteCodes } from './diagnose-sqlite.js';
import { tempDir } from '../../../test/helpers.js';

// SQLite's full result-code list: the primary codes, then the extended ones, as listed on
// sqlite.org/rescode.html and #defined in sqlite3.h 3.53 (without the SQLITE_ prefix).
const RESULT_CODES = `
  OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT NOTFOUND FULL 
  CANTOPEN PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB 
  NOTICE WARNING ROW DONE ERROR_MISSING_COLLSEQ ERROR_RETRY ERROR_SNAPSHOT ERROR_RESERVESIZE 
  ERROR_KEY ERROR_UNABLE IOERR_READ IOERR_SHORT_READ IOERR_WRITE IOERR_FSYNC IOERR_DIR_FSYNC 
  IOERR_TRUNCATE IOERR_FSTAT IOERR_UNLOCK IOERR_RDLOCK IOERR_DELETE IOERR_BLOCKED IOERR_NOMEM 
  IOERR_ACCESS IOERR_CHECKRESERVEDLOCK IOERR_LOCK IOERR_CLOSE IOERR_DIR_CLOSE IOERR_SHMOPEN 
  IOERR_SHMSIZE IOERR_SHMLOCK IOERR_SHMMAP IOERR_SEEK IOERR_DELETE_NOENT IOERR_MMAP IOERR_GETTEMPPATH 
  IOERR_CONVPATH IOERR_VNODE IOERR_AUTH IOERR_BEGIN_ATOMIC IOERR_COMMIT_ATOMIC IOERR_ROLLBACK_ATOMIC 
  IOERR_DATA IOERR_CORRUPTFS IOERR_IN_PAGE IOERR_BADKEY IOERR_CODEC LOCKED_SHAREDCACHE LOCKED_VTAB 
  BUSY_RECOVERY BUSY_SNAPSHOT BUSY_TIMEOUT CANTOPEN_NOTEMPDIR CANTOPEN_ISDIR CANTOPEN_FULLPATH 
  CANTOPEN_CONVPATH CANTOPEN_DIRTYWAL CANTOPEN_SYMLINK CORRUPT_VTAB CORRUPT_SEQUENCE CORRUPT_INDEX 
  READONLY_RECOVERY READONLY_CANTLOCK READONLY_ROLLBACK READONLY_DBMOVED READONLY_CANTINIT 
  READONLY_DIRECTORY ABORT_ROLLBACK CONSTRAINT_CHECK CONSTRAINT_COMMITHOOK CONSTRAINT_FOREIGNKEY 
  CONSTRAINT_FUNCTION CONSTRAINT_NOTNULL CONSTRAINT_PRIMARYKEY CONSTRAINT_TRIGGER CONSTRAINT_UNIQUE 
  CONSTRAINT_VTAB CONSTRAINT_ROWID CONSTRAINT_PINNED CONSTRAINT_DATATYPE NOTICE_RECOVER_WAL 
  NOTICE_RECOVER_ROLLBACK NOTICE_RBU WARNING_AUTOINDEX AUTH_USER OK_LOAD_PERMANENTLY OK_SYMLINK 
`
  .trim()
  .split(/\s+/)
  .map((name) => `SQLITE_${name}`);

test('classifies at least 95% of SQLite result codes exactly', (t) => {
  const exact = RESULT_CODES.filter((code) => diagnoseSqliteCode(code).exact);
  const coverage = exact.length / RESULT_CODES.length;
  t.log(`coverage: ${exact.length}/${RESULT_CODES.length} = ${(coverage * 100).toFixed(1)}%`);
  t.true(coverage >= 0.95);
  t.deepEqual(
    RESULT_CODES.filter((code) => !diagnoseSqliteCode(code).exact),
    [],
  );
});

test('the embedded list matches the sqlite3.h that better-sqlite3 was built from', (t) => {
  const require = createRequire(import.meta.url);
  const header = join(dirname(require.resolve('better-sqlite3/package.json')), 'deps/sqlite3/sqlite3.h');
  if (!existsSync(header)) return t.pass('the header is not shipped here');
  const names = [...readFileSync(header, 'utf8').matchAll(/^#define (SQLITE_[A-Z_]+) +(?:\(|\d)/gm)].map(
    (m) => m[1] as string,
  );
  const from = names.indexOf('SQLITE_OK');
  const to = names.indexOf('SQLITE_OK_SYMLINK');
  t.deepEqual(names.slice(from, to + 1), RESULT_CODES);
});

test('knows no code that SQLite does not define', (t) => {
  t.deepEqual(
    sqliteCodes().filter((code) => !RESULT_CODES.includes(code)),
    [],
  );
});

test('gives every code a category, a diagnosis, a remedy and an action', (t) => {
  for (const code of RESULT_CODES) {
    const d = diagnoseSqliteCode(code);
    t.truthy(d.diagnosis && d.remedy && d.action, code);
  }
  for (const code of poolCodes()) {
    const d = diagnose(new PoolError(code));
    t.is(d.code, code);
    t.truthy(d.diagnosis && d.remedy && d.action, code);
  }
});

test('the driver classification is derived from the diagnosis for every code', (t) => {
  for (const code of RESULT_CODES)
    t.is(classifySqliteError({ code }), diagnoseSqliteCode(code).handling, code);
  t.is(classifySqliteError({ code: 'SQLITE_BUSY' }), 'busy');
  t.is(classifySqliteError({ code: 'SQLITE_BUSY_SNAPSHOT' }), 'statement');
  t.is(classifySqliteError({ code: 'SQLITE_READONLY' }), 'read-only');
  t.is(classifySqliteError({ code: 'SQLITE_IOERR_WRITE' }), 'fatal');
  t.is(classifySqliteError({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), 'statement');
});

test('an extended code SQLite adds later falls back to its primary code', (t) => {
  const d = diagnoseSqliteCode('SQLITE_IOERR_SOMETHING_NEW');
  t.false(d.exact);
  t.is(d.category, 'evict-connection');
  t.is(diagnoseSqliteCode('SQLITE_WHATEVER').category, 'caller');
});

test('diagnoses real errors raised by better-sqlite3', (t) => {
  const tmp = tempDir();
  const db = new Database(tmp.file());
  db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)');
  db.prepare('INSERT INTO u (name) VALUES (?)').run('ann');
  // better-sqlite3's SqliteError fails t.throws()'s native-Error check, so catch by hand.
  const caught = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    return t.fail('did not throw');
  };
  t.like(diagnose(caught(() => db.prepare('INSERT INTO u (name) VALUES (?)').run('ann'))), {
    code: 'SQLITE_CONSTRAINT_UNIQUE',
    category: 'caller',
  });
  t.like(diagnose(caught(() => db.prepare('SELEC 1'))), { code: 'SQLITE_ERROR', category: 'usage-bug' });
  t.like(diagnose(caught(() => db.prepare('SELECT ?').get())), { category: 'usage-bug' });
  db.close();
  t.like(diagnose(caught(() => db.prepare('SELECT 1'))), { category: 'evict-connection' });
  writeFileSync(tmp.file('junk.db'), Buffer.alloc(4096, 7));
  const junk = new Database(tmp.file('junk.db'));
  t.like(diagnose(caught(() => junk.pragma('user_version'))), { code: 'SQLITE_NOTADB', category: 'fatal' });
  junk.close();
  tmp.cleanup();
});

test('diagnoses a PoolError and the SQLite error it wraps', (t) => {
  const d = diagnose(new PoolError('CONNECTION_LOST', undefined, { cause: { code: 'SQLITE_IOERR_WRITE' } }));
  t.is(d.category, 'evict-connection');
  t.like(d.cause, { code: 'SQLITE_IOERR_WRITE', category: 'evict-connection', handling: 'fatal' });
  t.is(diagnose('a string').code, 'UNKNOWN');
});
