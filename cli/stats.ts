import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { intList, parse, UsageError, withUsage } from './args.js';

const USAGE = `Usage: roas-pool stats --db <file> [--limit <n>]

Prints the newest rows of the connection_pool_stats table (the pool's recorded history), or says
that the file has no such table yet. Opens the file read-only.
`;

/** `roas-pool stats --db file`. */
export async function runStats(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values } = parse({
      args: argv,
      strict: true,
      options: {
        db: { type: 'string' },
        limit: { type: 'string', default: '50' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (values.db === undefined) throw new UsageError('stats needs --db <file>');
    if (!existsSync(values.db)) {
      process.stderr.write(`roas-pool stats: ${values.db} does not exist.\n`);
      return 1;
    }
    const limit = intList('limit', values.limit)[0] as number;
    const db = new Database(values.db, { readonly: true, fileMustExist: true });
    try {
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'connection_pool_stats'")
        .get();
      if (!table) {
        process.stdout.write(
          `${values.db} has no connection_pool_stats table: the pool has not recorded stats in it.\n`,
        );
        return 0;
      }
      const rows = db
        .prepare('SELECT * FROM (SELECT * FROM connection_pool_stats ORDER BY id DESC LIMIT ?) ORDER BY id')
        .all(limit) as Record<string, unknown>[];
      if (rows.length === 0) {
        process.stdout.write('connection_pool_stats is empty.\n');
        return 0;
      }
      const cols = Object.keys(rows[0] as object);
      const cells = [cols, ...rows.map((r) => cols.map((c) => String(r[c] ?? '')))];
      const widths = cols.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)));
      for (const row of cells)
        process.stdout.write(`${row.map((c, i) => c.padStart(widths[i] as number)).join('  ')}\n`);
      return 0;
    } finally {
      db.close();
    }
  });
}
