/**
 * What a user installs, tested as a user has it: `npm pack` (which builds), then a project in a
 * temp folder that installs the tarball from npm's cache alone (`npm ci --offline`, a lock file
 * pinned to this repository's versions: no network). Then: the tarball's contents, the error
 * without better-sqlite3's native binding, `roas-pool bench` with only `dependencies`
 * installed, every `exports` subpath from ESM, a consumer file type-checked with
 * `module: nodenext`, and every TypeScript/JavaScript block of README.md and docs/ run against
 * the installed package.
 *
 * The install runs with `--ignore-scripts`, so better-sqlite3's binding is really absent at
 * first (the NATIVE_BINDING_MISSING test uses that); afterwards the binding this repository's
 * `npm ci` compiled is copied in (`reuseBinding`) instead of compiling it again, which takes
 * minutes on two cores.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import test from 'ava';
import { docBlocks, docFiles } from './doc-blocks.js';
import { hasBinding, installOffline, pack, reuseBinding, ROOT, writeProject } from './consumer-project.js';
import { postgresUnavailable, startPostgres, type TestDatabase } from './pg-server.js';
import { nodeSqliteAvailable } from '../adapters/drivers/node-sqlite/node-sqlite-module.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; import: string }>;
};
/** The optional peers, and the types a TypeScript user of every subpath installs. */
const EXTRAS = ['kysely', 'drizzle-orm', 'pg', 'prom-client', '@types/node', '@types/pg'];
const TSX = import.meta.resolve('tsx');

let tarball = '';
let packDir = '';
let project = '';
let pg: TestDatabase | undefined;

test.before(() => {
  ({ tarball, dir: packDir } = pack());
  project = mkdtempSync(join(tmpdir(), 'roas-consumer-'));
  writeProject(project, tarball);
  installOffline(project);
});

test.after.always(async () => {
  await pg?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
  if (packDir) rmSync(packDir, { recursive: true, force: true });
});

/** Runs a command in the project; never throws, returns what it printed. */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { status: number | null; out: string; err: string } {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? project,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Runs an ES module (JavaScript or TypeScript, through tsx) from a fresh folder in the project. */
function runModule(name: string, code: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof run> {
  const dir = join(project, 'examples', name.replace(/[^\w.-]+/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'example.ts'), code);
  return run(process.execPath, ['--import', TSX, join(dir, 'example.ts')], {
    cwd: dir,
    env,
    timeoutMs: 60_000,
  });
}

test.serial(
  'the tarball holds the build and types of every export, the bin, docs and license, and no tests, maps or PNGs',
  (t) => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.import];
      for (const p of paths) t.true(files.includes(p.replace(/^\.\//, '')), `${subpath}: ${p}`);
    }
    for (const f of [...Object.values(pkg.bin), 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/cli/main.js'])
      t.true(files.includes(f.replace(/^\.\//, '')), f);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [, link] of readme.matchAll(/\]\((docs\/[^)#\s]+)/g)) {
      const path = (link as string).replace(/\/$/, '');
      t.true(
        files.some((f) => f === path || f.startsWith(`${path}/`)),
        `README links ${path}`,
      );
    }
    t.deepEqual(
      files.filter((f) => /\.test\.|\.map$|\.png$|\.tsbuildinfo$/.test(f)),
      [],
    );
    t.deepEqual(
      files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      [],
      'no TypeScript sources',
    );
  },
);

/**
 * Files the package loads by a computed URL rather than an import: the worker thread's body
 * (thread-link.ts) and the suite's child process (run-in-child.ts).
 */
const LOADED_BY_URL = ['dist/adapters/drivers/threads/sqlite-worker.js', 'dist/suite/child-main.js'];

/** Whether compiled JavaScript is `export {};` and comments: a module of types only. */
function typesOnly(js: string): boolean {
  return js.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim() === 'export {};';
}

test.serial('every JavaScript file in the tarball is reached from an export, the CLI or a worker', (t) => {
  const unpacked = join(packDir, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  const root = join(unpacked, 'package');
  const entries = [
    ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [] : [e.import])),
    'dist/cli/main.js',
    ...LOADED_BY_URL,
  ].map((p) => p.replace(/^\.\//, ''));
  const reached = new Set<string>();
  const walk = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g))
      walk(posix.normalize(posix.join(posix.dirname(file), spec as string)));
  };
  entries.forEach(walk);
  const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
  const files = listed.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
  t.deepEqual(
    // A module of types only compiles to `export {};`: its declarations are what ships.
    files.filter((f) => !reached.has(f) && !typesOnly(readFileSync(join(root, f), 'utf8'))),
    [],
    'shipped but unreachable: keep it out of tsconfig.build.json, or export it',
  );
  const declared = files.map((f) => f.replace(/\.js$/, '.d.ts'));
  const types = listed.filter((f) => f.endsWith('.d.ts'));
  t.deepEqual(
    types.filter((f) => !declared.includes(f)),
    [],
    'types without their module',
  );
});

test.serial(
  'without its native binding, createPool fails with NATIVE_BINDING_MISSING that says how to fix it',
  (t) => {
    t.false(hasBinding(project), 'installed with --ignore-scripts: the binding is really absent');
    const r = runModule(
      'no-binding',
      `import { createPool, isPoolError } from 'roas-pool';
try {
  createPool({ filename: 'bot.db' });
  console.log('created');
} catch (err) {
  console.log(JSON.stringify({ pool: isPoolError(err), code: (err as { code?: string }).code, message: (err as Error).message }));
}
`,
    );
    t.is(r.status, 0, r.err);
    const { pool, code, message } = JSON.parse(r.out) as { pool: boolean; code: string; message: string };
    t.true(pool);
    t.is(code, 'NATIVE_BINDING_MISSING');
    t.regex(message, /npm approve-scripts better-sqlite3 && npm rebuild better-sqlite3/);
    t.regex(message, /--allow-scripts=better-sqlite3/);
    // Node 22.16+: the same install, with no build, serves a pool on node:sqlite.
    if (nodeSqliteAvailable()) {
      t.regex(message, /nodeSqliteDriver/);
      const served = runModule(
        'no-binding-node-sqlite',
        `import { createPool, nodeSqliteDriver } from 'roas-pool';
const pool = createPool({ driver: nodeSqliteDriver({ filename: 'node-sqlite.db' }) });
await pool.write((db) => db.exec('CREATE TABLE t (v TEXT)'));
await pool.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['served']));
console.log(JSON.stringify(await pool.read((db) => db.all('SELECT v FROM t'))));
await pool.close();
`,
      );
      t.is(served.status, 0, served.err);
      t.deepEqual(JSON.parse(served.out), [{ v: 'served' }]);
    }
    const cli = run(join(project, 'node_modules', '.bin', 'roas-pool'), ['bench', '--out', 'report']);
    t.is(cli.status, 3);
    t.regex(cli.err, /^roas-pool bench: NATIVE_BINDING_MISSING: .* Fix: approve and run its install script/);
    t.is(cli.err.trim().split('\n').length, 1, 'one line, no stack');
    reuseBinding(project);
  },
);

test.serial(
  'roas-pool bench runs with only the dependencies: pool against naive, optional contenders skipped',
  (t) => {
    const bin = join(project, 'node_modules', '.bin', 'roas-pool');
    t.is(run(bin, ['--version']).out, `${pkg.version}\n`);
    const r = run(bin, ['bench', '--workers', '2', '--duration', '300ms', '--out', 'report']);
    t.is(r.status, 0, r.err);
    t.regex(
      r.err,
      /skipping tarn: it needs the "tarn" package, which is not installed \(add it with: npm install --save-dev tarn\)/,
    );
    t.regex(r.err, /skipping generic-pool: it needs the "generic-pool" package/);
    t.regex(
      r.err,
      /\[3\/3\] bot-mix roas-pool @2: 0 errors/,
      'one progress line per finished run without a terminal',
    );
    t.regex(r.out, /^Verdict:\n- bot-mix, 2 workers: roas-pool /);
    for (const f of ['report.json', 'report.md', 'report.html'])
      t.true(existsSync(join(project, 'report', f)), f);
    const json = JSON.parse(readFileSync(join(project, 'report', 'report.json'), 'utf8')) as {
      results: { contender: string; okOps: number; failed?: unknown }[];
    };
    t.deepEqual(
      json.results.map((x) => x.contender),
      ['naive', 'naive-bt0', 'roas-pool'],
    );
    const pool = json.results.find((x) => x.contender === 'roas-pool');
    t.true((pool?.okOps ?? 0) > 0);
    t.false(json.results.some((x) => x.failed !== undefined));
  },
);

test.serial('every exports subpath imports from ESM once its optional peer is installed', (t) => {
  writeProject(project, tarball, EXTRAS);
  installOffline(project);
  reuseBinding(project);
  for (const subpath of Object.keys(pkg.exports)) {
    const specifier = subpath === '.' ? 'roas-pool' : `roas-pool${subpath.slice(1)}`;
    const load = subpath.endsWith('.json')
      ? `await import('${specifier}', { with: { type: 'json' } })`
      : `await import('${specifier}')`;
    const r = run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = ${load}; console.log(Object.keys(m).length);`,
    ]);
    t.is(r.status, 0, `${specifier}: ${r.err}`);
    t.true(Number(r.out) > 0, specifier);
  }
});

test.serial('a consumer file type-checks with module nodenext and types ["node"]', (t) => {
  const dir = join(project, 'typed');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      include: ['consumer.ts'],
    }),
  );
  writeFileSync(
    join(dir, 'consumer.ts'),
    `import { createPool, diagnose, isPoolError, type PoolOptions, type PoolStats } from 'roas-pool';
import { generatePerformanceReport, runConcurrentTest, type TestResult } from 'roas-pool/suite';
import { RoasPoolDialect } from 'roas-pool/kysely';
import { drizzle } from 'roas-pool/drizzle';
import { collectPoolMetrics } from 'roas-pool/prometheus';
import { postgresDriver } from 'roas-pool/postgres';
import { Kysely } from 'kysely';
import { Registry } from 'prom-client';

export async function use(): Promise<number> {
  const options: PoolOptions = { filename: 'bot.db', max: 4 };
  const pool = createPool(options);
  const stats: PoolStats = pool.stats();
  const row = await pool.read((db) => db.get<{ n: number }>('SELECT 1 AS n'));
  const kysely = new Kysely<{ xp: { user_id: string } }>({ dialect: new RoasPoolDialect({ pool }) });
  const orm = drizzle(pool);
  const stop: () => void = collectPoolMetrics(pool, new Registry());
  const pg = createPool({ driver: postgresDriver({ connectionString: 'postgres://localhost/bot' }) });
  const result: TestResult = await runConcurrentTest({ workers: 2, durationMs: 10, scenario: 'bot-mix', contender: 'roas-pool' });
  await generatePerformanceReport([result]);
  // @ts-expect-error a misspelled option is a type error: the package's types really resolved
  createPool({ filname: 'bot.db' });
  try {
    await pool.close();
  } catch (err) {
    if (isPoolError(err, 'POOL_CLOSED')) console.log(diagnose(err).remedy);
  }
  stop();
  void kysely;
  void orm;
  void pg;
  return stats.total + (row?.n ?? 0);
}
`,
  );
  const r = run(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: dir,
    },
  );
  t.is(r.status, 0, r.out + r.err);
});

test.serial(
  "worker threads of the installed package leave out the main thread's preloads, and still start when a flag of the main thread cannot be given to a worker",
  (t) => {
    if (!hasBinding(project)) reuseBinding(project); // when run alone (--match)
    const dir = join(project, 'examples', 'preloads');
    mkdirSync(dir, { recursive: true });
    const mark = join(dir, 'loaded-in.txt');
    // A preload that notes each thread it is loaded in, as tsx or an instrumentation hook would be.
    writeFileSync(
      join(dir, 'preload.cjs'),
      `require('node:fs').appendFileSync(process.env.MARK, require('node:worker_threads').isMainThread ? 'main\\n' : 'worker\\n');`,
    );
    writeFileSync(
      join(dir, 'app.mjs'),
      `import { createPool } from 'roas-pool';
const pool = createPool({ filename: 'bot.db', threads: 'all' });
await pool.write((db) => db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)'));
await pool.write((db) => db.run('INSERT INTO t DEFAULT VALUES'));
const row = await pool.read((db) => db.get('SELECT COUNT(*) AS n FROM t'));
await pool.close();
console.log(row.n);
`,
    );
    const lines = (): string[] => readFileSync(mark, 'utf8').trim().split('\n');
    const preload = ['--require', join(dir, 'preload.cjs')];
    const plain = run(process.execPath, [...preload, 'app.mjs'], { cwd: dir, env: { MARK: mark } });
    t.is(plain.status, 0, plain.err);
    t.is(plain.out.trim(), '1');
    t.deepEqual(lines(), ['main'], 'the threads did not load the preload');
    rmSync(mark);
    // --max-old-space-size throws when given to a worker explicitly: the threads inherit instead.
    const heap = run(process.execPath, [...preload, '--max-old-space-size=300', 'app.mjs'], {
      cwd: dir,
      env: { MARK: mark },
    });
    t.is(heap.status, 0, heap.err);
    t.is(heap.out.trim(), '2');
    t.true(lines().includes('worker'), 'inherited: the threads loaded the preload');
  },
);

const blocks = docFiles(ROOT).flatMap((file) => docBlocks(ROOT, file));

test.serial('README.md and docs/ have TypeScript blocks to run', (t) => {
  t.true(blocks.length >= 15, `${blocks.length} blocks`);
});

for (const block of blocks) {
  test.serial(`${block.where} runs against the installed package`, async (t) => {
    if (block.partial !== undefined) {
      t.true(block.partial.length >= 10, 'a partial block says why it is partial');
      t.log(`partial: ${block.partial}`);
      return;
    }
    const env: NodeJS.ProcessEnv = {};
    if (block.code.includes('DATABASE_URL')) {
      const why = postgresUnavailable();
      if (why) {
        t.log(why);
        t.pass();
        return;
      }
      pg ??= await startPostgres();
      env.DATABASE_URL = pg.url;
    }
    const r = runModule(block.where, block.code, env);
    if (r.status === null) t.fail(`${block.where} did not exit within 60 s: does it close its pool?`);
    else t.is(r.status, 0, `${block.where} failed:\n${r.err || r.out}`);
  });
}
