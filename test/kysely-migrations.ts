import { setImmediate as yieldTurn } from 'node:timers/promises';
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';

/**
 * Three migrations that each log their run in `migration_runs` (committed at once, outside any
 * transaction of theirs) and await between statements, so callers that are not serialized
 * interleave and run a migration more than once. The second one creates a table: run twice, it
 * fails with "table already exists".
 */
const MIGRATIONS: Record<string, Migration> = Object.fromEntries(
  ['001_badges', '002_badge_table', '003_badge_index'].map((name, i) => [
    name,
    {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await sql`INSERT INTO migration_runs (name) VALUES (${name})`.execute(db);
        await yieldTurn();
        if (i === 1) await sql`CREATE TABLE badge (name TEXT PRIMARY KEY)`.execute(db);
        await yieldTurn();
      },
    },
  ]),
);

/** The table the migrations log their runs in; create it before migrating. */
export const RUNS_TABLE = 'CREATE TABLE IF NOT EXISTS migration_runs (name TEXT NOT NULL)';

/** Runs `migrateToLatest()` over the three test migrations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  return migrator.migrateToLatest();
}

/** How many times each migration ran, by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runsByName(db: Kysely<any>): Promise<Record<string, number>> {
  const { rows } = await sql<{
    name: string;
    n: number;
  }>`SELECT name, count(*) AS n FROM migration_runs GROUP BY name ORDER BY name`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.name, row.n]));
}
