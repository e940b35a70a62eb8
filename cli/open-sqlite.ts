import Database from 'better-sqlite3';
import { checkSqliteBinding } from '../adapters/drivers/sqlite/native-binding.js';
import { existingFile } from './args.js';
import { CliError } from './errors.js';

/**
 * Opens a SQLite file read-only for a command, or fails with one line: the file is missing
 * (`FILE_NOT_FOUND`), is not a SQLite database (`NOT_A_DATABASE`), or better-sqlite3's native
 * binding is missing (`NATIVE_BINDING_MISSING`, a PoolError).
 */
export function openSqlite(flag: string, file: string): Database.Database {
  existingFile(flag, file, 'a SQLite database file');
  checkSqliteBinding();
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // reads the header: a non-database fails here
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw new CliError(
        'NOT_A_DATABASE',
        `${flag} ${file} is not a SQLite database (${code})`,
        'pass the SQLite file your bot uses',
        undefined,
        { cause: err },
      );
    if (code.startsWith('SQLITE_'))
      throw new CliError(
        'CANNOT_OPEN',
        `cannot read ${flag} ${file} (${code}: ${(err as Error).message})`,
        'check the file and its permissions',
        undefined,
        {
          cause: err,
        },
      );
    throw err;
  }
}
