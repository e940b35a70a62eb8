import type pg from 'pg';
import { q, type ColumnInfo, type IndexInfo, type TableInfo } from './sqlite-schema.js';

/**
 * How `COLLATE NOCASE` is carried over: `citext` columns (PostgreSQL's case-insensitive text, an
 * extension), which compare, sort and index as NOCASE did; or `lower` expression indexes, which
 * keep a unique NOCASE column unique case-insensitively, while the bot's comparisons become
 * case-sensitive (write `lower(name) = lower(?)`).
 */
export type NocaseMode = 'citext' | 'lower';

/** What `migrate` chose for NOCASE, and the type name it writes for a citext column. */
export interface NocasePlan {
  mode: NocaseMode;
  /** The schema-qualified citext type, once the extension is there. */
  citext: string;
}

/** Whether `c` becomes a citext column under `plan`. */
export function isCitext(c: ColumnInfo, plan: NocasePlan | undefined): boolean {
  return plan?.mode === 'citext' && c.nocase && c.pgType === 'text';
}

/** The column's type in CREATE TABLE: citext for a NOCASE text column under the citext plan. */
export function columnType(c: ColumnInfo, plan: NocasePlan | undefined): string {
  return isCitext(c, plan) ? (plan as NocasePlan).citext : c.pgType;
}

/** An index key as PostgreSQL gets it: `lower("name")` for a NOCASE key on a column not citext. */
function key(t: TableInfo, i: IndexInfo, k: number, plan: NocasePlan | undefined): string {
  const name = i.columns[k] as string;
  const column = t.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const citext = column !== undefined && isCitext(column, plan);
  return i.nocase[k] && !citext ? `lower(${q(name)})` : q(name);
}

/**
 * A NOCASE index's key list for PostgreSQL, or `undefined` when it has no NOCASE key or keys on
 * expressions (those keep their text, NOCASE dropped).
 */
export function nocaseKeys(t: TableInfo, i: IndexInfo, plan: NocasePlan | undefined): string | undefined {
  if (!i.nocase.some(Boolean) || i.columns.includes('<expression>')) return undefined;
  return i.columns.map((_c, k) => `${key(t, i, k, plan)}${i.descending[k] ? ' DESC' : ''}`).join(', ');
}

/**
 * The unique `lower()` indexes that keep a NOCASE primary key or UNIQUE constraint unique
 * case-insensitively when its columns are not citext. The constraint itself stays too.
 */
export function nocaseUniqueIndexes(
  t: TableInfo,
  plan: NocasePlan | undefined,
): { name: string; sql: string }[] {
  const out: { name: string; sql: string }[] = [];
  for (const i of t.indexes) {
    if (i.origin === 'c') continue;
    const keys = nocaseKeys(t, i, plan);
    if (keys === undefined || !keys.includes('lower(')) continue;
    const name = `${t.name}_${i.columns.join('_')}_nocase`.slice(0, 63);
    out.push({ name, sql: `CREATE UNIQUE INDEX ${q(name)} ON ${q(t.name)} (${keys})` });
  }
  return out;
}

/**
 * What happens to each NOCASE column of `t` under `plan`, one line each (`COLLATE NOCASE name:
 * ...`), as `migrate` prints it and `assess --to` reports it. Without a plan (`assess` without a
 * server): both ways.
 */
export function nocaseLines(t: TableInfo, plan: NocasePlan | undefined): string[] {
  const lines: string[] = [];
  for (const c of t.columns.filter((x) => x.nocase)) {
    const unique = t.indexes.filter((i) => i.origin !== 'c' && i.columns.includes(c.name));
    const what = `COLLATE NOCASE ${c.name}`;
    if (c.pgType !== 'text') lines.push(`${what}: a ${c.pgType} column, NOCASE has no effect and is dropped`);
    else if (plan === undefined)
      lines.push(
        `${what}: becomes citext where the server has the extension (compares, sorts and stays unique case-insensitively, as in SQLite); else text${unique.length > 0 ? ' with a unique lower() index' : ''}, where the bot must compare lower(${c.name}) = lower(?). assess --to says which`,
      );
    else if (isCitext(c, plan))
      lines.push(`${what}: citext, compares, sorts and stays unique case-insensitively as in SQLite`);
    else
      lines.push(
        `${what}: text, case-sensitive (compare lower(${c.name}) = lower(?))${
          unique.length > 0
            ? `; unique case-insensitively through index ${nocaseUniqueIndexes(t, plan)
                .filter((x) => x.sql.includes(`lower(${q(c.name)})`))
                .map((x) => x.name)
                .join(', ')}`
            : ''
        }`,
      );
  }
  return lines;
}

/**
 * Sets up `mode` (default: citext when the server offers it) on `client`, inside the caller's
 * transaction: `CREATE EXTENSION IF NOT EXISTS citext` under a savepoint, so a server that does
 * not allow it falls back to `lower` instead of failing. Nothing is created without a NOCASE column.
 */
export async function planNocase(
  client: pg.Client,
  tables: readonly TableInfo[],
  mode: NocaseMode | undefined,
): Promise<NocasePlan> {
  const lower: NocasePlan = { mode: 'lower', citext: 'citext' };
  if (mode === 'lower' || !tables.some((t) => t.columns.some((c) => c.nocase && c.pgType === 'text')))
    return lower;
  await client.query('SAVEPOINT roas_citext');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS citext');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT roas_citext');
    if (mode === 'citext')
      throw new Error(`--nocase citext: the citext extension cannot be created: ${(err as Error).message}`, {
        cause: err,
      });
    return lower;
  }
  await client.query('RELEASE SAVEPOINT roas_citext');
  const { rows } = await client.query<{ nspname: string }>(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'citext'",
  );
  return { mode: 'citext', citext: `${q(rows[0]?.nspname ?? 'public')}.citext` };
}
