import { statSync } from 'node:fs';
import { openSqlite } from './open-sqlite.js';
import { describeIndex, pgIndexSql } from './index-sql.js';
import { nocaseLines } from './nocase.js';
import { dependencyOrder, readSchema, type SchemaObject, type TableInfo } from './sqlite-schema.js';
import { valueProblems, type ValueProblem } from './value-checks.js';

/** Something the migration must fix (`blocker`), a person must look at (`review`), or just know. */
export interface Finding {
  severity: 'blocker' | 'review' | 'info';
  table?: string;
  message: string;
}

/** What `assess()` learns about a SQLite file. */
export interface Report {
  file: string;
  sizeBytes: number;
  journalMode: string;
  totalRows: number;
  /** In migration order: parents before the tables whose foreign keys point at them. */
  tables: TableInfo[];
  /** Views, triggers and virtual tables: not copied. */
  others: SchemaObject[];
  findings: Finding[];
  plan: string[];
  /** One line: ready to migrate, or how many blockers to fix first. */
  verdict: string;
}

function findingsOf(
  tables: readonly TableInfo[],
  others: readonly SchemaObject[],
  orphans: Record<string, number>,
  values: ReadonlyMap<string, ValueProblem[]>,
): Finding[] {
  const out: Finding[] = [];
  for (const t of tables) {
    const table = t.name;
    for (const p of values.get(table) ?? [])
      out.push({
        severity: p.blocker ? 'blocker' : 'info',
        table,
        message: `${p.column}: ${p.count} value(s) with ${p.what}${p.first ? `; the first at ${p.first}` : ''}`,
      });
    for (const c of t.columns) {
      if (c.pgType === 'boolean')
        out.push({ severity: 'info', table, message: `${c.name}: the bot reads true/false, not 1/0` });
      if (c.pgType === 'timestamptz' || c.pgType === 'date')
        out.push({
          severity: 'info',
          table,
          message: `${c.name}: the bot reads a Date object, not text (the same instant in any time zone)`,
        });
    }
    if (orphans[table]) {
      out.push({
        severity: 'blocker',
        table,
        message: `${orphans[table]} row(s) break a foreign key; the constraint is added NOT VALID until they are fixed`,
      });
    }
    for (const c of t.columns)
      for (const note of c.notes)
        if (note.startsWith('affinity quirk'))
          out.push({ severity: 'blocker', table, message: `${c.name}: ${note}` });
    if (t.hasCheck)
      out.push({
        severity: 'review',
        table,
        message:
          'CHECK constraints are carried over where PostgreSQL takes them; migrate (and assess --to) names any it does not, to add by hand',
      });
    for (const message of nocaseLines(t, undefined)) out.push({ severity: 'review', table, message });
    if (t.columns.some((c) => c.generated))
      out.push({ severity: 'review', table, message: 'generated columns are copied as plain columns' });
    for (const i of t.indexes) {
      if (i.origin !== 'c' || !i.sql) continue;
      const { sql, rewrites } = pgIndexSql(t, i);
      for (const r of rewrites) out.push({ severity: 'info', table, message: `index ${i.name}: ${r}` });
      if (i.partial || i.columns.includes('<expression>'))
        out.push({ severity: 'review', table, message: `index ${i.name} is created as: ${sql}` });
    }
    if (t.withoutRowid)
      out.push({ severity: 'info', table, message: 'WITHOUT ROWID: an ordinary table in PostgreSQL' });
    if (t.strict)
      out.push({ severity: 'info', table, message: 'STRICT: PostgreSQL types are strict anyway' });
  }
  for (const o of others) {
    const how =
      o.type === 'trigger'
        ? 'rewrite as a PL/pgSQL trigger function'
        : o.type === 'view'
          ? 'recreate; check SQLite-only functions'
          : 'no equivalent (FTS5: tsvector + GIN; R*Tree: PostGIS or a GiST index)';
    out.push({ severity: 'review', message: `${o.type} ${o.name} is not copied: ${how}` });
  }
  out.push(
    {
      severity: 'info',
      message: "bot SQL with `?` placeholders: postgresDriver({ placeholders: 'question' })",
    },
    { severity: 'info', message: 'lastInsertRowid is undefined on PostgreSQL: use INSERT ... RETURNING id' },
    {
      severity: 'info',
      message: 'INSERT OR IGNORE / OR REPLACE become INSERT ... ON CONFLICT DO NOTHING / DO UPDATE',
    },
    {
      severity: 'info',
      message:
        "bot SQL with datetime('now') / strftime(): PostgreSQL's now() / to_char(); a duplicate key is diagnose(err).kind 'unique' on both",
    },
    {
      severity: 'info',
      message:
        'count(*) and bigint come back as numbers (int8: "number"); ids above 2^53 need int8: "bigint"',
    },
  );
  return out;
}

function planOf(tables: readonly TableInfo[], others: readonly SchemaObject[], blockers: number): string[] {
  const plan = [
    'Back up the SQLite file (VACUUM INTO or the sqlite3 .backup command) and keep it as the way back.',
  ];
  if (blockers > 0)
    plan.push(
      `Fix the ${blockers} blocker(s) below in SQLite first, or accept what the copy does with them.`,
    );
  // Numbered as printed (from 1): the steps from "Create the tables" to "Verify" are migrate's.
  const migrateFrom = plan.length + 2;
  plan.push(
    'Create an empty PostgreSQL database (15 or newer).',
    `Create the tables in this order, without foreign keys: ${tables.map((t) => t.name).join(', ') || '(none)'}.`,
    'Copy the rows table by table, in batches, one transaction per table.',
    'Move every identity sequence past the highest copied id.',
    'Create the indexes, then add the foreign keys.',
    'Verify that every table has the same row count on both sides.',
  );
  if (others.length > 0)
    plan.push(`Recreate by hand: ${others.map((o) => `${o.type} ${o.name}`).join(', ')}.`);
  plan.push(
    `Steps ${migrateFrom} to ${migrateFrom + 4} are \`roas-pool migrate --from <file> --to <postgres url>\`.`,
    "Point the bot at PostgreSQL: createPool({ driver: postgresDriver({ connectionString, placeholders: 'question' }) }).",
    "Run the bot's tests and a soak against PostgreSQL before switching traffic; keep the SQLite file read-only until then.",
  );
  return plan;
}

/**
 * Reads a SQLite file (read-only) and reports what a move to PostgreSQL involves: tables, row
 * counts, column type mapping, indexes, foreign keys, features with no direct equivalent, and an
 * ordered plan.
 *
 * @example
 * ```ts
 * const report = assess('bot.db');
 * console.log(renderReport(report));
 * ```
 */
export function assess(dbPath: string): Report {
  const db = openSqlite('--db', dbPath);
  try {
    const schema = readSchema(db);
    const tables = dependencyOrder(schema.tables);
    const values = new Map(tables.map((t) => [t.name, valueProblems(db, t)]));
    const findings = findingsOf(tables, schema.others, schema.orphans, values);
    const blockers = findings.filter((f) => f.severity === 'blocker').length;
    const reviews = findings.filter((f) => f.severity === 'review').length;
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    return {
      verdict:
        blockers > 0
          ? `Verdict: not ready: ${blockers} blocker(s) to fix in SQLite first (see Findings), then \`roas-pool migrate\`.`
          : `Verdict: ready to migrate: ${tables.length} table(s), ${rows} row(s), no blockers${reviews > 0 ? `; ${reviews} item(s) to redo by hand after the copy (see Findings)` : ''}. Next: \`roas-pool migrate --from ${dbPath} --to <postgres url>\`.`,
      file: dbPath,
      sizeBytes: statSync(dbPath).size,
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      totalRows: tables.reduce((n, t) => n + t.rows, 0),
      tables,
      others: schema.others,
      findings,
      plan: planOf(tables, schema.others, blockers),
    };
  } finally {
    db.close();
  }
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as Markdown: summary, tables with their column mapping, findings, plan. */
export function renderReport(r: Report): string {
  const lines = [
    `# PostgreSQL migration assessment: ${r.file}`,
    '',
    r.verdict,
    '',
    `${r.tables.length} table(s), ${r.totalRows} row(s), ${r.sizeBytes} bytes, journal mode ${r.journalMode}.`,
    '',
  ];
  for (const t of r.tables) {
    lines.push(
      `## ${t.name} (${t.rows} rows)`,
      '',
      '| column | SQLite | PostgreSQL | notes |',
      '| --- | --- | --- | --- |',
    );
    for (const c of t.columns) {
      const pg = `${c.pgType}${c.identity ? ' GENERATED BY DEFAULT AS IDENTITY' : ''}${c.notNull || c.pk > 0 ? ' NOT NULL' : ''}${c.pgDefault ? ` DEFAULT ${c.pgDefault}` : ''}`;
      lines.push(
        `| ${cell(c.name)} | ${cell(c.declared || '(none)')} | ${cell(pg)} | ${cell(c.notes.join('; '))} |`,
      );
    }
    for (const i of t.indexes) lines.push('', `- ${describeIndex(i)}`);
    for (const f of t.foreignKeys)
      lines.push(
        '',
        `- foreign key (${f.from.join(', ')}) → ${f.table}(${f.to.join(', ') || 'primary key'}) on delete ${f.onDelete}`,
      );
    lines.push('');
  }
  lines.push('## Findings', '');
  for (const f of r.findings) lines.push(`- **${f.severity}**${f.table ? ` ${f.table}:` : ''} ${f.message}`);
  lines.push('', '## Plan', '', ...r.plan.map((step, i) => `${i + 1}. ${step}`), '');
  return lines.join('\n');
}
