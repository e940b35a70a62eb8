import { intList, parse, UsageError } from './args.js';
import { EXIT, exitCodesHelp, guarded } from './errors.js';
import { openSqlite } from './open-sqlite.js';
import { clientConfig, connectError, isPostgresUrl, loadPg, parsePostgresUrl } from './pg-url.js';

const USAGE = `Usage: roas-pool stats --db <file | postgres url> [--limit <n>]

Prints the newest rows of the connection_pool_stats table (what a pool created with
statsTable: true recorded), oldest first, or says that there is no such table yet. Reads a
SQLite file (opened read-only) or a PostgreSQL database (one SELECT; needs the pg package).

Options:
  --db <file | url>   a SQLite file, or postgres://user:password@host:port/database (required)
  --limit <n>         how many of the newest rows, 1 to 100000 (default 50)
  --debug             print stack traces with errors
  -h, --help          this text

${exitCodesHelp('not used: stats prints what the table holds')}
Examples:
  roas-pool stats --db bot.db --limit 10
  roas-pool stats --db postgres://bot@localhost:5432/bot
`;

type Row = Record<string, unknown>;

const cell = (v: unknown): string =>
  v instanceof Date ? v.toISOString().replace('T', ' ').slice(0, 19) : String(v ?? '');

function print(source: string, rows: Row[] | undefined): void {
  if (rows === undefined) {
    process.stdout.write(
      `${source} has no connection_pool_stats table: the pool has not recorded stats in it.\n`,
    );
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('connection_pool_stats is empty.\n');
    return;
  }
  const cols = Object.keys(rows[0] as object);
  const cells = [cols, ...rows.map((r) => cols.map((c) => cell(r[c])))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)));
  for (const row of cells)
    process.stdout.write(`${row.map((c, i) => c.padStart(widths[i] as number)).join('  ')}\n`);
}

function fromSqlite(file: string, limit: number): Row[] | undefined {
  const db = openSqlite('--db', file);
  try {
    const table = db
      .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'connection_pool_stats'")
      .get();
    if (!table) return undefined;
    return db
      .prepare('SELECT * FROM (SELECT * FROM connection_pool_stats ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(limit) as Row[];
  } finally {
    db.close();
  }
}

async function fromPostgres(url: string, limit: number): Promise<Row[] | undefined> {
  const target = parsePostgresUrl('--db', url);
  const pg = await loadPg('stats');
  const client = new pg.Client(clientConfig(target));
  client.on('error', () => undefined); // surfaces through the query that fails
  try {
    await client.connect();
  } catch (err) {
    throw connectError(target, '--db', err);
  }
  try {
    const { rows: found } = await client.query(
      "SELECT to_regclass('connection_pool_stats') IS NOT NULL AS ok",
    );
    if (!(found[0] as { ok: boolean } | undefined)?.ok) return undefined;
    const { rows } = await client.query<Row>(
      'SELECT * FROM (SELECT * FROM connection_pool_stats ORDER BY id DESC LIMIT $1) AS newest ORDER BY id',
      [limit],
    );
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `roas-pool stats --db <file | postgres url>`. */
export async function runStats(argv: string[]): Promise<number> {
  return guarded('stats', async () => {
    const { values } = parse(
      {
        args: argv,
        strict: true,
        options: {
          db: { type: 'string' },
          limit: { type: 'string', default: '50' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      },
      'stats',
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.OK;
    }
    if (values.db === undefined) throw new UsageError('stats needs --db <file or postgres url>', 'stats');
    const limit = intList('limit', values.limit, 'stats')[0] as number;
    const pg = isPostgresUrl(values.db);
    const rows = pg ? await fromPostgres(values.db, limit) : fromSqlite(values.db, limit);
    print(pg ? parsePostgresUrl('--db', values.db).display : values.db, rows);
    return EXIT.OK;
  });
}
