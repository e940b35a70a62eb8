import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  importCycles,
  layerOf,
  repositoryFiles,
  sqliteInCore,
  stateWriters,
  wrongImports,
  type SqliteAllowance,
} from './import-graph.js';

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

/** core/'s concern folders (docs/architecture.md draws them) and the files at its root. */
const CORE_FOLDERS = [
  'lending',
  'lease',
  'lifecycle',
  'sizing',
  'upkeep',
  'time',
  'monitoring',
  'options',
  'errors',
];
const CORE_ROOT = ['pool.ts', 'compose.ts', 'pool-runtime.ts', 'pool-wiring.ts', 'driver.ts'];

/** A core source file outside the drawn tree, as its path. */
function outsideTheTree(paths: Iterable<string>): string[] {
  return [...paths].filter((f) => {
    if (!f.startsWith('core/') || f.endsWith('.test.ts')) return false;
    const parts = f.split('/');
    if (parts.length === 2) return !CORE_ROOT.includes(parts[1] as string);
    return parts.length !== 3 || !CORE_FOLDERS.includes(parts[1] as string);
  });
}

test('core/ is the tree docs/architecture.md draws: its concern folders, and the pool, its composition, its runtime, its wiring and the port at the root', (t) => {
  t.deepEqual(outsideTheTree(files.keys()), []);
  const doc = readFileSync(resolve(root, 'docs/architecture.md'), 'utf8');
  for (const folder of CORE_FOLDERS) t.true(doc.includes(`  ${folder}/ `), `${folder}/ is drawn`);
  t.deepEqual(
    outsideTheTree(['core/metrics.ts', 'core/misc/util.ts', 'core/lending/deep/x.ts', 'core/lending/bag.ts']),
    ['core/metrics.ts', 'core/misc/util.ts', 'core/lending/deep/x.ts'],
    'a file dropped at the root or in an undrawn folder is reported',
  );
});

/**
 * Where core/ still names SQLite, each with its reason: public names (error codes, options, the
 * dialect the faces compile for) that keep their spelling. Nothing here branches on a dialect or
 * holds SQL: the drivers own that (adapters/drivers/sqlite/maintenance.ts).
 */
const SQLITE_IN_CORE: readonly SqliteAllowance[] = [
  { file: 'core/errors/errors.ts', name: 'SQLITE_BUSY', why: 'a public error code, stable by promise' },
  {
    file: 'core/driver.ts',
    name: "'sqlite'",
    why: 'Driver.dialect names the SQL a driver speaks, for the faces (Kysely, Drizzle, the stats table); core never branches on it',
  },
  { file: 'core/pool-wiring.ts', name: "'sqlite'", why: "the stats-table writer's dialect, passed through" },
  {
    file: 'core/monitoring/monitor.ts',
    name: "'sqlite'",
    why: 'hands Driver.dialect to the stats-table writer',
  },
  {
    file: 'core/options/options.ts',
    name: 'pragmas',
    why: 'a public createPool option, handed to the built-in driver',
  },
  {
    file: 'core/options/options.ts',
    name: 'walCheckpointThresholdFrames',
    why: "a public createPool option: the log watch's threshold",
  },
  {
    file: 'core/upkeep/housekeeping.ts',
    name: 'walCheckpointThresholdFrames',
    why: 'reads that option to arm the log watch',
  },
  {
    file: 'core/driver.ts',
    name: 'pragmas',
    why: "BuiltInOptionChecks' check of that option, named after it (the SQLite driver's folder makes it)",
  },
  {
    file: 'core/options/option-aliases.ts',
    name: "'SQLite'",
    why: 'names users bring from SQLite, mapped to the option they meant',
  },
  {
    file: 'core/options/option-aliases.ts',
    name: 'wal',
    why: 'one of those names (a user may write wal: true)',
  },
];

test('core names no SQLite: no PRAGMA text, no dialect compared, no sqlite/pragma/wal identifier, beyond the public names listed with their reasons', (t) => {
  t.deepEqual(sqliteInCore(files, SQLITE_IN_CORE), []);
  const unused = SQLITE_IN_CORE.filter((a) => !sqliteInCore(files).includes(`${a.file}: ${a.name}`));
  t.deepEqual(unused, [], 'every allowance is still needed');
});

test('reports SQLite in core: PRAGMA text, a dialect compared, a WAL-named identifier (deliberately wrong files)', (t) => {
  const found = sqliteInCore(
    new Map([
      [
        'core/upkeep/fixture-a.ts',
        "// PRAGMA optimize in a comment is fine\nawait db.exec('PRAGMA optimize');\n",
      ],
      ['core/upkeep/fixture-b.ts', "if (driver.dialect === 'sqlite') walWatch.stop();\n"],
      ['adapters/drivers/sqlite/fixture-c.ts', "await db.exec('PRAGMA optimize');\n"],
    ]),
  );
  t.deepEqual(found, [
    "core/upkeep/fixture-a.ts: 'PRAGMA optimize'",
    "core/upkeep/fixture-b.ts: 'sqlite'",
    'core/upkeep/fixture-b.ts: walWatch',
  ]);
});

test("only the bag moves a connection's record between states (HikariCP's ConcurrentBag is the model)", (t) => {
  t.deepEqual(stateWriters(files, 'core/lending/bag.ts'), []);
  const wrong = stateWriters(
    new Map([
      ['core/upkeep/fixture-a.ts', "entry.state = 'reserved';\nthis.state = 'own field';\n"],
      ['properties/fixture-b.ts', "const s = entry.state;\nif (s === 'free') rt.entry.state = 'removed';\n"],
      ['core/lending/bag.ts', "entry.state = 'free';\n"],
    ]),
    'core/lending/bag.ts',
  );
  t.deepEqual(
    wrong,
    ['core/upkeep/fixture-a.ts:1', 'properties/fixture-b.ts:2'],
    'a write elsewhere is reported',
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
        "import { PoolError } from '../core/errors/errors.js';\nimport type { PoolStats } from '../core/monitoring/stats.js';\n",
    }),
  );
  t.deepEqual(wrong.sort(), [
    'adapters/drivers/postgres/fixture-driver.ts -> core/pool.ts (driver:postgres may not import types from core)',
    'adapters/faces/fixture-face.ts -> adapters/drivers/postgres/postgres.ts (faces may not import driver:postgres)',
    'streams/fixture-stream.ts -> core/errors/errors.ts (streams may not import core)',
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

/** Core files that name the whole runtime, outside its own declaration, the composition and the face. */
function runtimeTakers(sources: ReadonlyMap<string, string>): string[] {
  const allowed = ['core/pool-runtime.ts', 'core/compose.ts', 'core/pool.ts'];
  return [...sources]
    .filter(([f]) => f.startsWith('core/') && !f.endsWith('.test.ts') && !allowed.includes(f))
    .filter(([, text]) => /\bPoolRuntime\b/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')))
    .map(([f]) => f);
}

test('no part takes the whole runtime: each names what it uses in a narrow host', (t) => {
  t.deepEqual(runtimeTakers(files), []);
  t.deepEqual(
    runtimeTakers(
      new Map([
        ['core/lending/fixture.ts', "import type { PoolRuntime } from '../pool-runtime.js';\n"],
        ['core/upkeep/fixture.ts', '// the PoolRuntime in a comment is fine\n'],
      ]),
    ),
    ['core/lending/fixture.ts'],
    'a part that imports it is reported',
  );
});
