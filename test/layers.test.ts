import test from 'ava';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCycles, layerOf, repositoryFiles, wrongImports } from './import-graph.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = repositoryFiles(root);

test('every import follows the arrows: core imports no adapter, drivers only the port, faces no driver', (t) => {
  t.true(files.size > 100, 'the walk found the sources');
  t.deepEqual(wrongImports(files), []);
});

test('no import cycle, type-only imports included', (t) => {
  t.deepEqual(importCycles(files), []);
});

test('sorts the files into the layers the tree shows', (t) => {
  t.is(layerOf('core/pool.ts'), 'core');
  t.is(layerOf('core/driver.ts'), 'core');
  t.is(layerOf('adapters/drivers/threads/thread-driver.ts'), 'driver:threads');
  t.is(layerOf('adapters/faces/bot-db.ts'), 'faces');
  t.is(layerOf('adapters/lane/lane-gate.ts'), 'lane');
  t.is(layerOf('create-pool.ts'), 'root');
  t.is(layerOf('core/pool.test.ts'), 'outer');
  t.is(layerOf('cli/main.ts'), 'outer');
  const inner = [...files.keys()].filter((f) => layerOf(f) !== 'outer');
  t.true(inner.some((f) => f.startsWith('adapters/drivers/sqlite/')));
  t.false(
    [...files.keys()].some(
      (f) => f.startsWith('adapters/') && layerOf(f) === 'outer' && !f.endsWith('.test.ts'),
    ),
    'every adapter sits in a driver folder, in faces/ or in lane/',
  );
});

/** The repository plus `extra` files, as if they were on disk. */
function withFixture(extra: Record<string, string>): Map<string, string> {
  return new Map([...files, ...Object.entries(extra)]);
}

test('reports a core file that imports a driver (a deliberately wrong import)', (t) => {
  const wrong = wrongImports(
    withFixture({
      'core/fixture-wrong.ts': "import { sqliteDriver } from '../adapters/drivers/sqlite/sqlite.js';\n",
    }),
  );
  t.deepEqual(wrong, [
    'core/fixture-wrong.ts -> adapters/drivers/sqlite/sqlite.ts (core may not import driver:sqlite)',
  ]);
});

test('reports a face importing a driver, a driver importing the pool, and a stream importing core values', (t) => {
  const wrong = wrongImports(
    withFixture({
      'adapters/faces/fixture-face.ts': "export { postgresDriver } from '../drivers/postgres/postgres.js';\n",
      'adapters/drivers/postgres/fixture-driver.ts': "import type { Pool } from '../../../core/pool.js';\n",
      'streams/fixture-stream.ts':
        "import { PoolError } from '../core/errors.js';\nimport type { PoolStats } from '../core/stats.js';\n",
    }),
  );
  t.deepEqual(wrong.sort(), [
    'adapters/drivers/postgres/fixture-driver.ts -> core/pool.ts (driver:postgres may not import types from core)',
    'adapters/faces/fixture-face.ts -> adapters/drivers/postgres/postgres.ts (faces may not import driver:postgres)',
    'streams/fixture-stream.ts -> core/errors.ts (streams may not import core)',
  ]);
});

test('reports an import cycle (a deliberately circular pair)', (t) => {
  const cycles = importCycles(
    withFixture({
      'core/fixture-a.ts': "import { b } from './fixture-b.js';\nexport const a = () => b;\n",
      'core/fixture-b.ts':
        "import type { a } from './fixture-a.js';\nexport const b = 1 as unknown as typeof a;\n",
    }),
  );
  t.deepEqual(cycles, ['core/fixture-a.ts -> core/fixture-b.ts -> core/fixture-a.ts']);
});
