#!/usr/bin/env node
/* global process, URL */
// The `roas-pool` command: always runs the built CLI, dist/cli/main.js. An installed package
// ships it (`npm pack` builds first, on `prepack`). In a checkout, `npm run roas-pool -- <args>`
// builds and then runs; running this file directly after editing the source warns that dist/ is
// older than the source, since the old build is what runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli', 'main.js');
const checkout = existsSync(join(root, 'cli', 'main.ts'));

if (!existsSync(built)) {
  process.stderr.write(
    checkout
      ? 'roas-pool: BUILD_MISSING: dist/cli/main.js does not exist in this checkout. Fix: run `npm run build` (or `npm run roas-pool -- <args>`, which builds first).\n'
      : 'roas-pool: BUILD_MISSING: dist/cli/main.js is missing from the installed package. Fix: reinstall roas-pool.\n',
  );
  process.exit(3);
}

/** The newest .ts source file (tests aside) under the folders the build compiles. */
function newestSource() {
  let newest = { path: '', mtimeMs: 0 };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const { mtimeMs } = statSync(path);
        if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  for (const dir of ['core', 'machines', 'streams', 'adapters', 'cli', 'suite'])
    if (existsSync(join(root, dir))) walk(join(root, dir));
  for (const name of ['index.ts', 'create-pool.ts', 'postgres.ts']) {
    const file = join(root, name);
    if (existsSync(file) && statSync(file).mtimeMs > newest.mtimeMs)
      newest = { path: file, mtimeMs: statSync(file).mtimeMs };
  }
  return newest;
}

if (checkout) {
  const source = newestSource();
  if (source.mtimeMs > statSync(built).mtimeMs)
    process.stderr.write(
      `roas-pool: warning: dist/ is older than ${source.path.slice(root.length)}; running the old build. Run \`npm run build\`, or \`npm run roas-pool -- <args>\`.\n`,
    );
}

const { main } = await import(pathToFileURL(built).href);
process.exitCode = await main(process.argv.slice(2));
