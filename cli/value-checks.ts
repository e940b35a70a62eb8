import type Database from 'better-sqlite3';
import { q, type TableInfo } from './sqlite-schema.js';

/** One kind of value PostgreSQL will refuse or change, found in a column. */
export interface ValueProblem {
  column: string;
  count: number;
  /** The first such row, by primary key (or rowid), and its value. */
  first: string;
  what: string;
  blocker: boolean;
}

/** SQLite's date and time text forms (sqlite.org/lang_datefunc.html), with an optional offset. */
const DATE_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Whether `text` is a date PostgreSQL reads as the same day: 2024-02-30 is not. */
export function validDateText(text: string): boolean {
  const m = DATE_TEXT.exec(text.trim());
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x: string | undefined) => x ?? '0');
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  return (
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) < 60
  );
}

/**
 * Reads every value the copy would send and names those PostgreSQL cannot take as they are: a
 * NUL byte in text, text that is not a date in a date or timestamp column (`not a date`,
 * `2024-02-30`); and those it keeps but shows differently (a date with an offset, read back as the
 * same instant in UTC).
 */
export function valueProblems(db: Database.Database, t: TableInfo): ValueProblem[] {
  const pk = t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const key = pk.length > 0 ? pk.map((c) => q(c.name)) : t.withoutRowid ? [] : ['rowid'];
  const keyNames = pk.length > 0 ? pk.map((c) => c.name) : ['rowid'];
  const label = (row: Record<string, unknown>): string =>
    key.length === 0 ? '' : keyNames.map((k) => `${k} = ${String(row[`k_${k}`])}`).join(', ');
  const select = key.map((k, n) => `${k} AS ${q(`k_${keyNames[n]}`)}`).join(', ');
  const out: ValueProblem[] = [];
  for (const c of t.columns) {
    if (!c.storage.text) continue;
    const col = q(c.name);
    const from = `FROM ${q(t.name)} WHERE typeof(${col}) = 'text'`;
    const nul = db
      .prepare(
        `SELECT count(*) AS n, min(${key.length > 0 ? key[0] : "''"}) AS at ${from} AND instr(${col}, char(0)) > 0`,
      )
      .get() as { n: number; at: unknown };
    if (nul.n > 0 && c.pgType !== 'bytea')
      out.push({
        column: c.name,
        count: nul.n,
        first: key.length > 0 ? `${keyNames[0]} = ${String(nul.at)}` : '',
        what: 'a NUL byte in text, which PostgreSQL text cannot hold',
        blocker: true,
      });
    if (c.pgType !== 'timestamptz' && c.pgType !== 'date') continue;
    let bad: ValueProblem | undefined;
    let offset: ValueProblem | undefined;
    const rows = db.prepare(`SELECT ${select ? `${select}, ` : ''}${col} AS v ${from}`).iterate() as Iterable<
      Record<string, unknown>
    >;
    for (const row of rows) {
      const v = String(row.v);
      if (!validDateText(v)) {
        bad ??= {
          column: c.name,
          count: 0,
          first: `${label(row)} (${JSON.stringify(v)})`,
          what: `text that is not a valid ${c.pgType === 'date' ? 'date' : 'date and time'}`,
          blocker: true,
        };
        bad.count++;
      } else if (/(Z|[+-]\d{2}:?\d{2})\s*$/i.test(v) && c.pgType === 'timestamptz') {
        offset ??= {
          column: c.name,
          count: 0,
          first: `${label(row)} (${JSON.stringify(v)})`,
          what: 'a time with an offset: kept as the same instant, read back in UTC',
          blocker: false,
        };
        offset.count++;
      }
    }
    if (bad) out.push(bad);
    if (offset) out.push(offset);
  }
  return out;
}
