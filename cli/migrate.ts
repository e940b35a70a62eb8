import type pg from 'pg';
import { intList, parse, UsageError } from './args.js';
import { assess } from './assess.js';
import { CliError, EXIT, exitCodesHelp, guarded } from './errors.js';
import { copyAll, type MigrateOptions, type MigrateResult } from './migrate-copy.js';
import { openSqlite } from './open-sqlite.js';
import { nocaseOption } from './nocase-option.js';
import { clientConfig, connectError, loadPg, parsePostgresUrl, type PgTarget } from './pg-url.js';

export type { MigrateOptions, MigrateResult, TableCopy } from './migrate-copy.js';

/** The tables of `names` that already exist in the target's current schema. */
async function existingTables(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY table_name',
    [names],
  );
  return rows.map((r) => r.table_name);
}

/**
 * Copies a SQLite file's tables and rows into a PostgreSQL database in ONE transaction: tables in
 * foreign-key order, rows in batches, identity sequences moved past the highest id, then indexes
 * and foreign keys, then a row count check on both sides. Any failure rolls everything back, so
 * the target is left as it was. Tables that already exist stop it before anything is written
 * (`TARGET_NOT_EMPTY`) unless `dropExisting`. Views and triggers are not copied (`assess` lists
 * them).
 *
 * @example
 * ```ts
 * const result = await migrate({ from: 'bot.db', to: 'postgres://bot@db/bot' });
 * for (const t of result.tables) console.log(t.name, t.postgresRows);
 * ```
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const target: PgTarget | undefined =
    typeof options.to === 'string' ? parsePostgresUrl('--to', options.to) : undefined;
  const report = assess(options.from);
  const pgModule = await loadPg('migrate');
  const client = new pgModule.Client(target ? clientConfig(target) : options.to);
  client.on('error', () => undefined); // surfaces through the query that fails
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw target ? connectError(target, '--to', err) : err;
  }
  const db = openSqlite('--from', options.from);
  try {
    const names = report.tables.map((t) => t.name);
    const existing = await existingTables(client, names);
    if (existing.length > 0 && !options.dropExisting && !options.rehearse)
      throw new CliError(
        'TARGET_NOT_EMPTY',
        `the target already has table(s) ${existing.join(', ')}; nothing was written`,
        'migrate into an empty database, or pass --drop-existing to replace those tables (in the same transaction)',
      );
    db.exec('BEGIN'); // one read snapshot: counts and rows agree even if the bot still writes
    await client.query('BEGIN');
    try {
      // SQLite's date text has no zone and is UTC (CURRENT_TIMESTAMP): read it as UTC into
      // timestamptz, whatever the server's TimeZone; text with an offset keeps it.
      await client.query("SET LOCAL TIME ZONE 'UTC'");
      if (options.rehearse) {
        const schema = `roas_rehearsal_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET LOCAL search_path TO ${schema}`);
      }
      const result = await copyAll(
        db,
        client,
        report,
        options.rehearse ? { ...options, dropExisting: false } : options,
      );
      await client.query(options.rehearse ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (err instanceof CliError) throw err;
      throw new CliError(
        'MIGRATION_FAILED',
        `${(err as Error).message}; rolled back, the target is as it was`,
        'fix the cause above and run migrate again',
        EXIT.FINDINGS,
        { cause: err },
      );
    }
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
    await client.end().catch(() => undefined);
  }
}

const USAGE = `Usage: roas-pool migrate --from <sqlite file> --to <postgres url> [options]

Copies every table of a SQLite file into a PostgreSQL database, in ONE transaction: tables in
foreign-key order, rows in batches, identity sequences past the highest id, indexes, foreign
keys, then a row count check on both sides. Any failure rolls everything back: the target is
left as it was. Run \`roas-pool assess --db <file>\` first; views and triggers are not copied.

Options:
  --from <file>        the SQLite file (opened read-only, one snapshot for the whole copy) (required)
  --to <url>           postgres://user:password@host:port/database; port 5432 when left out
                       (required; needs the pg package: npm install pg). Read as postgresDriver
                       reads it: TLS with ?sslmode=verify-full&sslrootcert=ca.crt (checks the
                       certificate; pg treats require the same), ?sslmode=no-verify (encrypts,
                       checks nothing); a socket as postgres:///db?host=/var/run/postgresql;
                       or libpq's "host=db port=5432 dbname=bot user=bot sslmode=verify-full"
  --batch-size <n>     rows per INSERT, 1 to 65535 (default 500; fewer for wide tables)
  --nocase <how>       COLLATE NOCASE columns become citext (the extension is created; the
                       default when the server allows it) or, with lower, text with unique
                       lower() indexes (the bot then compares lower(col) = lower(?))
  --drop-existing      replace tables of the same name (dropped and copied again inside the
                       transaction). Without it, any existing table stops the copy before
                       anything is written.
  --debug              print stack traces with errors
  -h, --help           this text

${exitCodesHelp('the copy failed and was rolled back (the target is unchanged); the line says why')}
Example:
  roas-pool migrate --from bot.db --to postgres://bot:secret@localhost:5432/bot
`;

/**
 * \`roas-pool migrate --from bot.db --to postgres://... [--batch-size 500] [--drop-existing]\`:
 * copies and prints one line a table; resolves to the exit code (0 done, 1 rolled back, 2 bad
 * arguments or inputs, 3 pg missing or the server unreachable).
 */
export async function runMigrate(
  argv: string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  return guarded('migrate', async () => {
    const { values } = parse(
      {
        args: argv,
        strict: true,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          'batch-size': { type: 'string', default: '500' },
          'drop-existing': { type: 'boolean', default: false },
          nocase: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      },
      'migrate',
    );
    if (values.help) {
      out(USAGE);
      return EXIT.OK;
    }
    if (!values.from) throw new UsageError('migrate needs --from <sqlite file>', 'migrate');
    if (!values.to) throw new UsageError('migrate needs --to <postgres url>', 'migrate');
    parsePostgresUrl('--to', values.to); // a wrong URL is named before anything is read
    const batchSize = intList('batch-size', values['batch-size'], 'migrate', 1, 65535)[0] as number;
    const nocase = nocaseOption(values.nocase, 'migrate');
    const result = await migrate({
      from: values.from,
      to: values.to,
      batchSize,
      dropExisting: values['drop-existing'],
      ...(nocase === undefined ? {} : { nocase }),
      onTable: (t) => out(`${t.name}: ${t.postgresRows} row(s) copied\n`),
    });
    out(
      `committed and verified ${result.tables.length} table(s), ${result.indexes} index(es), ${result.foreignKeys} foreign key(s)\n`,
    );
    for (const fk of result.notValid) out(`foreign key NOT VALID (rows break it): ${fk}\n`);
    if (result.checks > 0) out(`${result.checks} CHECK constraint(s) carried over\n`);
    for (const c of result.checksNotCarried) out(`CHECK not carried over (add it by hand): ${c}\n`);
    for (const n of result.nocase) out(`${n.table}: ${n.message}\n`);
    return EXIT.OK;
  });
}
