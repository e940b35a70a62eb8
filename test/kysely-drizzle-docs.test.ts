import test from 'ava';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const doc = readFileSync(join(root, 'docs', 'kysely-drizzle.md'), 'utf8');

/** The first ```ts block under the heading `## <title>`. */
function example(title: string): string {
  const section = doc.split(`\n## ${title}\n`)[1] ?? '';
  return /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
}

/** Runs a docs example against a real bot.db, with the package's imports pointed at the source. */
function runExample(code: string): { points: number; user_id: string }[] {
  const sources = {
    'roas-pool/kysely': 'adapters/faces/kysely.ts',
    'roas-pool/drizzle': 'adapters/faces/drizzle.ts',
    'roas-pool': 'index.ts',
  };
  let script = code;
  for (const [specifier, file] of Object.entries(sources))
    script = script.replaceAll(`'${specifier}'`, `'${join(root, file)}'`);
  // The script must sit inside the package so that kysely and drizzle-orm resolve.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const scriptDir = mkdtempSync(join(root, '.tmp', 'docs-'));
  const cwd = mkdtempSync(join(tmpdir(), 'roas-docs-'));
  try {
    const db = new Database(join(cwd, 'bot.db'));
    db.exec(`CREATE TABLE xp (user_id TEXT PRIMARY KEY, points INTEGER NOT NULL);
      CREATE TABLE xp_log (user_id TEXT NOT NULL, delta INTEGER NOT NULL);
      INSERT INTO xp VALUES ('ann', 5), ('bob', 12);`);
    db.close();
    writeFileSync(join(scriptDir, 'example.ts'), script);
    execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(scriptDir, 'example.ts')], {
      cwd,
    });
    const check = new Database(join(cwd, 'bot.db'), { readonly: true });
    const rows = check.prepare('SELECT user_id, points FROM xp ORDER BY user_id').all() as {
      points: number;
      user_id: string;
    }[];
    check.close();
    return rows;
  } finally {
    rmSync(scriptDir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('the "With Kysely" example is 15 lines or fewer and runs', (t) => {
  const code = example('With Kysely');
  t.true(code.trim().split('\n').length <= 15);
  t.deepEqual(runExample(code), [
    { user_id: 'ann', points: 15 },
    { user_id: 'bob', points: 12 },
  ]);
});

test('the "With Drizzle" example is 15 lines or fewer and runs', (t) => {
  const code = example('With Drizzle');
  t.true(code.trim().split('\n').length <= 15);
  t.deepEqual(runExample(code), [
    { user_id: 'ann', points: 15 },
    { user_id: 'bob', points: 12 },
    { user_id: 'cy', points: 10 },
  ]);
});
