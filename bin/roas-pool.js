#!/usr/bin/env node
/* global process, URL */
// The `roas-pool` command. Runs the built CLI (dist/cli/main.js, after `npm run build`); in a
// checkout that has not been built, runs the TypeScript source through tsx (a devDependency).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(fileURLToPath(built))) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('../cli/main.ts', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
