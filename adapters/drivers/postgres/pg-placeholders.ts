/**
 * Rewrites SQLite-style `?` placeholders as PostgreSQL's `$1, $2, ...`, leaving alone every `?`
 * inside string literals, quoted identifiers, dollar-quoted bodies and comments, and the jsonb
 * operators `?|` and `?&`. A bare `?` that is meant as the jsonb key operator cannot be told from a
 * placeholder: with translation on, write `jsonb_exists(col, key)` instead.
 *
 * @example
 * ```ts
 * questionToDollar("SELECT * FROM xp WHERE user = ? AND note <> '?'"); // ... user = $1 AND note <> '?'
 * ```
 */
export function questionToDollar(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    let end = i + 1;
    if (c === "'" || c === '"') {
      end = closing(sql, i + 1, c);
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      end = eol < 0 ? sql.length : eol;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]?\w*\$/.exec(sql.slice(i));
      if (tag && !/^\$\d+\$/.test(tag[0])) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close < 0 ? sql.length : close + tag[0].length;
      }
    } else if (c === '?' && next !== '|' && next !== '&') {
      out += `$${++n}`;
      i++;
      continue;
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

/** The index just past the quote that closes a literal opened before `from`; doubled quotes escape. */
function closing(sql: string, from: number, quote: string): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}
