import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withTable } from './error-table.js';

test('the error table in docs/errors.md matches the code (npm run docs:errors regenerates it)', async (t) => {
  const path = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
  const doc = readFileSync(path, 'utf8');
  t.is(await withTable(doc, path), doc);
});
