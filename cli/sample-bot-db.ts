import Database from 'better-sqlite3';

/** The Discord-style id of user 1: above 2^53, so a copy through JS numbers would corrupt it. */
export const SNOWFLAKE = 1234567890123456789n;

/**
 * Writes a small bot database for tests: users (AUTOINCREMENT, a snowflake id, a TIMESTAMP
 * default), xp (a foreign key), messages (BLOB attachments, an index, a foreign key).
 * User 101 is deleted, so sqlite_sequence runs ahead of max(id).
 */
export function createSampleBotDb(file: string): { users: number; xp: number; messages: number } {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      discord_id INTEGER NOT NULL UNIQUE,
      name VARCHAR(32) NOT NULL,
      created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    );
    CREATE TABLE xp (
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      guild TEXT NOT NULL,
      points INTEGER NOT NULL DEFAULT 0,
      updated_at DATETIME DEFAULT (datetime('now')),
      PRIMARY KEY (user_id, guild)
    );
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id),
      content TEXT,
      attachment BLOB,
      sent_at INTEGER NOT NULL
    );
    CREATE INDEX idx_messages_user_time ON messages (user_id, sent_at);
  `);
  const addUser = db.prepare('INSERT INTO users (discord_id, name) VALUES (?, ?)');
  const addXp = db.prepare('INSERT INTO xp (user_id, guild, points) VALUES (?, ?, ?)');
  const addMessage = db.prepare(
    'INSERT INTO messages (user_id, content, attachment, sent_at) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let u = 1; u <= 101; u++) addUser.run(u === 1 ? SNOWFLAKE : BigInt(u) * 1000n, `user${u}`);
    for (let u = 1; u <= 100; u++) addXp.run(u, 'main', u * 7);
    for (let m = 0; m < 1000; m++) {
      const attachment = m % 3 === 0 ? Buffer.from([m & 255, 0, 255, (m >> 8) & 255]) : null;
      addMessage.run((m % 100) + 1, `hello ${m} it's me`, attachment, 1_700_000_000 + m);
    }
  })();
  db.prepare('DELETE FROM users WHERE id = 101').run();
  db.close();
  return { users: 100, xp: 100, messages: 1000 };
}
