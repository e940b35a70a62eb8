/** Splits a column-definition list at its top-level commas, skipping literals and quoted names. */
function topLevelParts(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    const close = ch === '[' ? ']' : ch;
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const end = body.indexOf(close, i + 1);
      i = end < 0 ? body.length : end;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

const CONSTRAINT = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b/i;

/**
 * The columns (lower-cased names) a CREATE TABLE statement declares `COLLATE NOCASE`.
 *
 * @example
 * ```ts
 * nocaseColumns('CREATE TABLE u (id INTEGER, name TEXT COLLATE NOCASE UNIQUE)'); // Set { 'name' }
 * ```
 */
export function nocaseColumns(createSql: string): Set<string> {
  const open = createSql.indexOf('(');
  const close = createSql.lastIndexOf(')');
  const out = new Set<string>();
  if (open < 0 || close < open) return out;
  for (const raw of topLevelParts(createSql.slice(open + 1, close))) {
    const def = raw.trim();
    // A COLLATE inside a CHECK or a string literal is not the column's.
    let flat = def.replace(/'(?:[^']|'')*'/g, "''");
    for (let inner = flat.replace(/\([^()]*\)/g, ''); inner !== flat; inner = flat.replace(/\([^()]*\)/g, ''))
      flat = inner;
    if (CONSTRAINT.test(def) || !/\bCOLLATE\s+"?NOCASE\b/i.test(flat)) continue;
    const name = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|(\S+))/.exec(def);
    const found = name?.[1]?.replace(/""/g, '"') ?? name?.[2] ?? name?.[3] ?? name?.[4];
    if (found !== undefined) out.add(found.toLowerCase());
  }
  return out;
}
