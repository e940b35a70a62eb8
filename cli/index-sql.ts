import { nocaseKeys, type NocasePlan } from './nocase.js';
import { q, type IndexInfo, type TableInfo } from './sqlite-schema.js';

/** A CREATE INDEX statement as PostgreSQL will run it, with what was rewritten on the way. */
export interface PgIndex {
  sql: string;
  /** One line a rewrite: `is_premium = 1` → `is_premium = true`, NOCASE dropped. */
  rewrites: string[];
}

/**
 * An index made with CREATE INDEX, in PostgreSQL terms: SQLite's identifier quotes (backticks,
 * brackets) become double quotes; a NOCASE key becomes `lower(column)` unless its column is citext
 * under `plan` (without a plan, `assess` without a server: as without citext), `COLLATE NOCASE`
 * elsewhere is dropped; and a comparison of a boolean
 * column with 0 or 1 (SQLite stores booleans as integers; PostgreSQL has no `boolean = integer`)
 * is written with `false` / `true`.
 *
 * @example
 * ```ts
 * pgIndexSql(table, index).sql; // CREATE INDEX premium ON users (id) WHERE "is_premium" = true
 * ```
 */
export function pgIndexSql(t: TableInfo, i: IndexInfo, plan?: NocasePlan): PgIndex {
  const rewrites: string[] = [];
  let sql = (i.sql ?? '').replace(/`([^`]*)`/g, '"$1"').replace(/\[([^\]]*)\]/g, '"$1"');
  const keys = nocaseKeys(t, i, plan);
  const list = keys === undefined ? undefined : keyList(sql);
  if (keys !== undefined && list !== undefined) {
    sql = `${sql.slice(0, list.start)}${keys}${sql.slice(list.end)}`;
    rewrites.push(
      keys.includes('lower(')
        ? `NOCASE keys → (${keys})${i.unique ? ', unique case-insensitively' : ''}`
        : `NOCASE keys on citext columns → (${keys})`,
    );
  }
  if (/\s+COLLATE\s+NOCASE/i.test(sql)) {
    sql = sql.replace(/\s+COLLATE\s+NOCASE/gi, '');
    rewrites.push('COLLATE NOCASE dropped (case-sensitive in PostgreSQL; use lower() or citext)');
  }
  for (const c of t.columns.filter((x) => x.pgType === 'boolean')) {
    const name = c.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const compare = new RegExp(`("${name}"|\\b${name}\\b)\\s*(==|=|!=|<>)\\s*([01])\\b`, 'gi');
    sql = sql.replace(compare, (_all, _col: string, op: string, bit: string) => {
      const value = bit === '1' ? 'true' : 'false';
      const pgOp = op === '==' ? '=' : op;
      rewrites.push(`${c.name} ${op} ${bit} → ${q(c.name)} ${pgOp} ${value} (a boolean column)`);
      return `${q(c.name)} ${pgOp} ${value}`;
    });
  }
  return { sql, rewrites };
}

/** Where the key list of `CREATE INDEX ... ON table (keys)` starts and ends (inside its parentheses). */
function keyList(sql: string): { start: number; end: number } | undefined {
  const on = /\bON\s+("(?:[^"]|"")*"|\S+?)\s*\(/i.exec(sql);
  if (on === null) return undefined;
  const start = on.index + on[0].length;
  let depth = 1;
  for (let i = start; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const close = sql.indexOf(ch, i + 1);
      i = close < 0 ? sql.length : close;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return { start, end: i };
  }
  return undefined;
}

/** How an index reads in a report: `unique partial index top (xp DESC) WHERE ...`. */
export function describeIndex(i: IndexInfo): string {
  const kind =
    i.origin === 'pk'
      ? 'primary key'
      : i.origin === 'u'
        ? 'unique constraint'
        : `${i.unique ? 'unique ' : ''}${i.partial ? 'partial ' : ''}index`;
  const cols = i.columns.map((c, n) => `${c}${i.descending[n] ? ' DESC' : ''}`).join(', ');
  const where = i.partial ? /\bWHERE\b([\s\S]*)$/i.exec(i.sql ?? '')?.[1]?.trim() : undefined;
  return `${kind} ${i.name} (${cols})${where ? ` WHERE ${where}` : ''}`;
}
