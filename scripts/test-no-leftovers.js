/* global process */
// Runs the AVA suite with TMPDIR pointing at a fresh folder of its own, then fails if any test
// left a file or folder in it (a database, a report, a throwaway server's data directory). Other
// programs on the machine keep using the real temp folder, so they cannot disturb the check.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'roas-test-tmp-'));
// Open to every user, as /tmp is: the throwaway PostgreSQL server runs as its own user.
chmodSync(dir, 0o1777);
// tsx keeps its compile cache in <tmp>/tsx-<uid>, and on Node 22 and later npm (run by the
// consumer test) keeps V8's in <tmp>/node-compile-cache: point both at the real ones, so the
// caches survive between runs and are not counted as something a test left behind.
const caches = [`tsx-${process.getuid?.() ?? 0}`, 'node-compile-cache'];
for (const cache of caches) {
  if (!existsSync(join(tmpdir(), cache))) mkdirSync(join(tmpdir(), cache), { recursive: true });
  symlinkSync(join(tmpdir(), cache), join(dir, cache));
}
// AVA's exports hide its CLI; it sits beside the main entry point.
const ava = join(dirname(fileURLToPath(import.meta.resolve('ava'))), 'cli.mjs');
const run = spawnSync(process.execPath, [ava, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: dir },
});
const left = readdirSync(dir).filter((f) => !caches.includes(f));
rmSync(dir, { recursive: true, force: true });
if (left.length > 0) {
  process.stderr.write(
    `\n${left.length} temporary file(s) or folder(s) left behind by the tests (a test must remove what it makes, even when it fails):\n${left.map((f) => `  ${f}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write('No temporary file or folder left behind.\n');
process.exit(run.status ?? 1);
