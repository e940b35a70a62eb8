import Database from 'better-sqlite3';

/** What {@link seedFile} writes: the schema, then `rows` rows through one prepared INSERT. */
export interface SeedSpec {
  /** The CREATE statements, run once. */
  schema: string;
  /** The INSERT that `row` fills. */
  insert: string;
  rows: number;
  /** The parameters of row `i`, for `i` from 1 to `rows`. */
  row(i: number): unknown[];
}

/**
 * Fills a fresh WAL database at `filename` straight through better-sqlite3, in one transaction
 * (fast, never measured): the seeding the benches share.
 */
export function seedFile(filename: string, { schema, insert, rows, row }: SeedSpec): void {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.exec(schema);
  const stmt = db.prepare(insert);
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) stmt.run(...row(i));
  })();
  db.close();
}

/** `items` (id, name, score), `rows` rows: the table of the result-size and round-trip benches. */
export function seedItems(filename: string, rows: number): void {
  seedFile(filename, {
    schema: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL)',
    insert: 'INSERT INTO items VALUES (?, ?, ?)',
    rows,
    row: (i) => [i, `item-${i}`, i / 7],
  });
}
