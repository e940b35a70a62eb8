import type pg from 'pg';
import { q, type TableInfo } from './sqlite-schema.js';

/**
 * The expressions of a CREATE TABLE statement's CHECK constraints, column and table ones alike,
 * read with their parentheses matched and string literals and quoted names skipped.
 *
 * @example
 * ```ts
 * checkExpressions('CREATE TABLE xp (points INT CHECK (points >= 0))'); // ['points >= 0']
 * ```
 */
export function checkExpressions(createSql: string): string[] {
  const out: string[] = [];
  const re = /\bCHECK\s*\(/gi;
  for (let m = re.exec(createSql); m !== null; m = re.exec(createSql)) {
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    for (; i < createSql.length && depth > 0; i++) {
      const ch = createSql[i];
      if (ch === "'" || ch === '"' || ch === '`') {
        const close = createSql.indexOf(ch, i + 1);
        i = close < 0 ? createSql.length : close;
      } else if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
    if (depth === 0) out.push(createSql.slice(start, i - 1).trim());
    re.lastIndex = i;
  }
  return out;
}

/**
 * Adds `t`'s CHECK constraints on PostgreSQL, each in a savepoint: one PostgreSQL does not take
 * (a SQLite-only function, `typeof()`, an integer compared with a boolean) is rolled back alone
 * and returned with the reason, so the copy goes on and the user hears which were not carried.
 */
export async function addChecks(
  client: pg.Client,
  t: TableInfo,
): Promise<{ added: number; skipped: string[] }> {
  let added = 0;
  const skipped: string[] = [];
  for (const expr of checkExpressions(t.sql)) {
    await client.query('SAVEPOINT roas_check');
    try {
      await client.query(`ALTER TABLE ${q(t.name)} ADD CHECK (${expr})`);
      await client.query('RELEASE SAVEPOINT roas_check');
      added++;
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT roas_check');
      skipped.push(`${t.name}: CHECK (${expr}): ${(err as Error).message}`);
    }
  }
  return { added, skipped };
}
