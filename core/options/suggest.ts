import { distance, nearest } from './nearest.js';
import { aliasOf, byUnit } from './option-aliases.js';

/**
 * What an unknown option key should have been: by meaning first (names from HikariCP, tarn,
 * generic-pool, pg.Pool, better-sqlite3; see option-aliases.ts), then by unit suffix, then by
 * spelling. Returns the text after `unknown option "key"`.
 */
export function suggest(key: string, known: readonly string[]): string {
  const alias = aliasOf(key);
  if (alias?.use !== undefined && known.includes(alias.use))
    return `; did you mean "${alias.use}"? (the name in ${alias.from}${alias.note ? `; ${alias.note}` : ''})`;
  if (alias !== undefined && alias.use === undefined)
    return ` (a name from ${alias.from}): ${alias.note ?? ''}`;
  const unit = byUnit(key, known);
  if (unit) return `; did you mean "${unit.use}"?${unit.note ? ` (${unit.note})` : ''}`;
  const near = nearest(key, known);
  const close =
    near.toLowerCase().startsWith(key.toLowerCase()) || distance(key, near) <= Math.max(2, key.length / 3);
  if (close) return `; did you mean "${near}"?`;
  return `; the options are ${known.join(', ')}`;
}
