import type Database from 'better-sqlite3';
import { nocaseColumns } from './nocase-columns.js';
import { mapColumnType, mapDefault, type TypeChoice } from './type-map.js';

/** One column of a SQLite table, with its PostgreSQL mapping. */
export interface ColumnInfo extends TypeChoice {
  name: string;
  declared: string;
  notNull: boolean;
  /** Position in the primary key, 1-based; 0 when not part of it. */
  pk: number;
  sqliteDefault: string | null;
  pgDefault: string | undefined;
  generated: boolean;
  storage: Record<string, number>;
  /** Declared `COLLATE NOCASE`. */
  nocase: boolean;
}

export interface IndexInfo {
  name: string;
  unique: boolean;
  /** `u` from a UNIQUE constraint, `pk` from the primary key, `c` from CREATE INDEX. */
  origin: string;
  partial: boolean;
  columns: string[];
  /** Per column of `columns`: sorted descending (`xp DESC`). */
  descending: boolean[];
  /** Per column of `columns`: compared with NOCASE (declared on the index or on the column). */
  nocase: boolean[];
  /** The CREATE INDEX statement, for indexes made with one. */
  sql: string | null;
}

export interface ForeignKeyInfo {
  table: string;
  from: string[];
  to: string[];
  onUpdate: string;
  onDelete: string;
}

export interface TableInfo {
  name: string;
  rows: number;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  foreignKeys: ForeignKeyInfo[];
  autoincrement: boolean;
  withoutRowid: boolean;
  strict: boolean;
  hasCheck: boolean;
  collateNocase: boolean;
  sql: string;
}

export interface SchemaObject {
  type: 'view' | 'trigger' | 'virtual table';
  name: string;
  sql: string;
}

export interface SqliteSchema {
  tables: TableInfo[];
  others: SchemaObject[];
  /** Rows that break a declared foreign key (`PRAGMA foreign_key_check`), by table. */
  orphans: Record<string, number>;
}

/** A double-quoted identifier. */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface RawColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

/** Reads tables, columns, storage classes, indexes, foreign keys and the rest from an open file. */
export function readSchema(db: Database.Database): SqliteSchema {
  const objects = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .all() as { type: string; name: string; sql: string | null }[];
  const tables: TableInfo[] = [];
  const others: SchemaObject[] = [];
  for (const o of objects) {
    const sql = o.sql ?? '';
    if (o.type === 'table' && /CREATE\s+VIRTUAL/i.test(sql))
      others.push({ type: 'virtual table', name: o.name, sql });
    else if (o.type === 'table') tables.push(readTable(db, o.name, sql));
    else if (o.type === 'view' || o.type === 'trigger') others.push({ type: o.type, name: o.name, sql });
  }
  // Shadow tables of virtual tables (fts5 _data, _idx, ...) go with their virtual table.
  const shadow = (name: string) =>
    others.some((o) => o.type === 'virtual table' && name.startsWith(`${o.name}_`));
  const orphans: Record<string, number> = {};
  for (const row of db.pragma('foreign_key_check') as { table: string }[])
    orphans[row.table] = (orphans[row.table] ?? 0) + 1;
  return { tables: tables.filter((t) => !shadow(t.name)), others, orphans };
}

function readTable(db: Database.Database, name: string, sql: string): TableInfo {
  const raw = db.prepare(`SELECT * FROM pragma_table_xinfo(?)`).all(name) as RawColumn[];
  const pkCount = raw.filter((c) => c.pk > 0).length;
  const autoincrement = /AUTOINCREMENT/i.test(sql);
  // Table options follow the closing parenthesis of the column list.
  const tail = sql.slice(sql.lastIndexOf(')') + 1);
  const withoutRowid = /WITHOUT\s+ROWID/i.test(tail);
  const strict = /\bSTRICT\b/i.test(tail);
  const nocase = nocaseColumns(sql);
  const columns = raw.map((c): ColumnInfo => {
    const storage: Record<string, number> = {};
    for (const r of db
      .prepare(`SELECT typeof(${q(c.name)}) AS t, count(*) AS n FROM ${q(name)} GROUP BY 1`)
      .all() as {
      t: string;
      n: number;
    }[])
      storage[r.t] = r.n;
    const rowidAlias = pkCount === 1 && c.pk === 1 && c.type.toUpperCase() === 'INTEGER' && !withoutRowid;
    const choice = mapColumnType({
      declared: c.type,
      rowidAlias,
      autoincrement: autoincrement && rowidAlias,
      storage,
    });
    const dflt = mapDefault(c.dflt_value, choice.pgType);
    return {
      name: c.name,
      declared: c.type,
      notNull: c.notnull === 1,
      pk: c.pk,
      sqliteDefault: c.dflt_value,
      pgDefault: dflt.sql,
      generated: c.hidden === 2 || c.hidden === 3,
      storage,
      nocase: nocase.has(c.name.toLowerCase()),
      ...choice,
      notes: dflt.note ? [...choice.notes, dflt.note] : choice.notes,
    };
  });
  const indexes = (
    db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)').all(name) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[]
  ).map((i) => {
    const keys = db
      .prepare('SELECT "desc" AS d, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
      .all(i.name) as { d: number; coll: string | null }[];
    return {
      name: i.name,
      unique: i.unique === 1,
      origin: i.origin,
      partial: i.partial === 1,
      columns: (
        db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(i.name) as {
          name: string | null;
        }[]
      ).map((c) => c.name ?? '<expression>'),
      descending: keys.map((c) => c.d === 1),
      nocase: keys.map((c) => c.coll?.toUpperCase() === 'NOCASE'),
      sql:
        (
          db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").get(i.name) as
            { sql: string | null } | undefined
        )?.sql ?? null,
    };
  });
  const fkRows = db.prepare('SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(name) as {
    id: number;
    table: string;
    from: string;
    to: string | null;
    on_update: string;
    on_delete: string;
  }[];
  const foreignKeys: ForeignKeyInfo[] = [];
  for (const r of fkRows) {
    const fk =
      foreignKeys[r.id] ??
      (foreignKeys[r.id] = {
        table: r.table,
        from: [],
        to: [],
        onUpdate: r.on_update,
        onDelete: r.on_delete,
      });
    fk.from.push(r.from);
    if (r.to) fk.to.push(r.to);
  }
  const rows = (db.prepare(`SELECT count(*) AS n FROM ${q(name)}`).get() as { n: number }).n;
  return {
    name,
    rows,
    columns,
    indexes,
    foreignKeys: foreignKeys.filter(Boolean),
    autoincrement,
    withoutRowid,
    strict,
    hasCheck: /\bCHECK\s*\(/i.test(sql),
    collateNocase: /COLLATE\s+NOCASE/i.test(sql),
    sql,
  };
}

/** Tables ordered so that every table comes after the tables its foreign keys point to. */
export function dependencyOrder(tables: readonly TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name.toLowerCase(), t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (t: TableInfo, path: Set<string>): void => {
    const key = t.name.toLowerCase();
    if (done.has(key) || path.has(key)) return;
    path.add(key);
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.table.toLowerCase());
      if (parent) visit(parent, path);
    }
    done.add(key);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}
