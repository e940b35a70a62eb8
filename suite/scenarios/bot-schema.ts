import Database from 'better-sqlite3';
import type { IntegrityReport } from '../types.js';

/** Users seeded by {@link prepareBotSchema}: ids 1..USERS. */
export const USERS = 1000;

/**
 * Creates the bot's tables in a fresh file: users with XP, an XP ledger and a message log. Every
 * write a scenario makes carries a unique `op_id`, so the end-of-run check can find it.
 */
export function prepareBotSchema(filename: string): void {
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, xp INTEGER NOT NULL DEFAULT 0, level INTEGER NOT NULL DEFAULT 1);
      CREATE INDEX IF NOT EXISTS users_xp ON users (xp DESC);
      CREATE TABLE IF NOT EXISTS xp_events (
        op_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, points INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (
        op_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL);
    `);
    const insert = db.prepare('INSERT OR IGNORE INTO users (id, name) VALUES (?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= USERS; id++) insert.run(id, `user${id}`);
    })();
  } finally {
    db.close();
  }
}

/**
 * Checks the file after a run: every acknowledged op id is in `xp_events` or `messages`, and every
 * user's XP equals the sum of its ledger (an award is one transaction: both rows or neither).
 */
export function verifyBotSchema(filename: string, acknowledged: ReadonlySet<string>): IntegrityReport {
  const db = new Database(filename, { readonly: true });
  try {
    const present = new Set<string>();
    for (const table of ['xp_events', 'messages']) {
      for (const row of db.prepare(`SELECT op_id FROM ${table}`).pluck().iterate())
        present.add(row as string);
    }
    const problems: string[] = [];
    let missing = 0;
    for (const id of acknowledged) {
      if (present.has(id)) continue;
      missing++;
      if (problems.length < 5) problems.push(`acknowledged write ${id} is missing`);
    }
    const torn = db
      .prepare(
        `SELECT u.id, u.xp, COALESCE(SUM(e.points), 0) AS ledger FROM users u
         LEFT JOIN xp_events e ON e.user_id = u.id GROUP BY u.id HAVING u.xp != ledger LIMIT 5`,
      )
      .all() as { id: number; xp: number; ledger: number }[];
    for (const t of torn) problems.push(`user ${t.id} has xp ${t.xp} but a ledger of ${t.ledger}`);
    return { ok: missing === 0 && torn.length === 0, acknowledged: acknowledged.size, missing, problems };
  } finally {
    db.close();
  }
}
