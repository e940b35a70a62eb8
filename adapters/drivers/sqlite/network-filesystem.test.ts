import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPool,
  hybridDriver,
  nodeSqliteAvailable,
  nodeSqliteDriver,
  sqliteDriver,
  threadDriver,
} from '../../../index.js';
import type { Driver } from '../../../core/driver.js';
import type { PoolOptions } from '../../../core/options/options.js';
import { tempDir } from '../../../test/helpers.js';
import { networkFilesystem } from './network-filesystem.js';

// The drivers read the filesystem of the database's file (Linux's statfs) and warn once a process
// when it is a network filesystem. The local ones are tested for real (ext4 and tmpfs here). No
// network filesystem can be mounted on this machine: for those, the tests give `fs.statfsSync` the
// magic number NFS (or another) reports, for the test's folder only, and restore it.

test('a file on a local disk or in memory is on no network filesystem', (t) => {
  const dir = tempDir();
  const file = dir.file();
  t.is(networkFilesystem(file), undefined, 'not created yet: its folder');
  fs.writeFileSync(file, '');
  t.is(networkFilesystem(file), undefined, 'the file');
  const shm = fs.mkdtempSync('/dev/shm/roas-nfs-');
  try {
    t.is(fs.statfsSync(shm).type, 0x01021994, 'tmpfs');
    t.is(networkFilesystem(join(shm, 'bot.db')), undefined);
  } finally {
    fs.rmSync(shm, { recursive: true, force: true });
  }
  for (const name of ['', ':memory:', 'file:bot.db?mode=memory'])
    t.is(networkFilesystem(name), undefined, JSON.stringify(name));
  t.is(networkFilesystem('/no/such/folder/bot.db'), undefined, 'nothing to read');
});

/** Runs `fn` while the filesystem of every path under `dir` reports `type`, then restores it. */
async function reporting<T>(dir: string, type: number, fn: () => Promise<T> | T): Promise<T> {
  const real = fs.statfsSync;
  const fake = ((path: fs.PathLike, options?: fs.StatFsOptions) => {
    const stats = real(path, options as fs.StatFsOptions & { bigint?: false });
    return String(path).startsWith(dir) ? { ...stats, type } : stats;
  }) as typeof fs.statfsSync;
  Object.defineProperty(fs, 'statfsSync', { value: fake, configurable: true, writable: true });
  try {
    return await fn();
  } finally {
    Object.defineProperty(fs, 'statfsSync', { value: real, configurable: true, writable: true });
  }
}

test.serial("each network filesystem's number is told by name, on Linux only", async (t) => {
  const dir = tempDir();
  const file = dir.file();
  const known: [number, string][] = [
    [0x6969, 'nfs'],
    [0xff534d42, 'cifs'],
    [0xfe534d42, 'smb2'],
    [0x517b, 'smb'],
    [0x00c36400, 'ceph'],
    [0x01021997, '9p'],
    [0x0bd00bd0, 'lustre'],
  ];
  for (const [type, name] of known)
    await reporting(dir.dir, type, () => {
      t.is(networkFilesystem(file), name);
      t.is(networkFilesystem(file, 'darwin'), undefined, 'macOS numbers its filesystems as it boots');
    });
  // Read as a signed 32-bit number (a 32-bit system's long), CIFS's is negative: the same name.
  await reporting(dir.dir, 0xff534d42 | 0, () => t.is(networkFilesystem(file), 'cifs'));
  await reporting(dir.dir, 0x65735546, () => t.is(networkFilesystem(file), undefined, 'FUSE: local or not'));
});

/** The roas-pool warnings emitted while `fn` runs, and a turn after. */
async function warnings(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (w: Error): void => {
    if (w.name === 'RoasPoolWarning') seen.push(w);
  };
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

function code(w: Error): string | undefined {
  return (w as Error & { code?: string }).code;
}

type Factory = (filename: string) => Driver;

const drivers: [string, Factory][] = [
  ['sqliteDriver', (filename) => sqliteDriver({ filename })],
  ['threadDriver', (filename) => threadDriver({ filename })],
  ['hybridDriver', (filename) => hybridDriver({ filename })],
  ...(nodeSqliteAvailable()
    ? ([['nodeSqliteDriver', (filename) => nodeSqliteDriver({ filename })]] as [string, Factory][])
    : []),
];

const modes: [string, (filename: string) => Partial<PoolOptions>][] = [
  ['inline', (filename) => ({ filename })],
  ['threads: true', (filename) => ({ filename, threads: true })],
  ["threads: 'all'", (filename) => ({ filename, threads: 'all' })],
  ...drivers.map(([name, make]): [string, (filename: string) => Partial<PoolOptions>] => [
    name,
    (filename) => ({ driver: make(filename) }),
  ]),
];

for (const [mode, options] of modes) {
  test.serial(
    `${mode}: a database on NFS is opened and used as on a local disk, with one warning a process that names it`,
    async (t) => {
      const dir = tempDir();
      const file = dir.file();
      const seen = await warnings(() =>
        reporting(dir.dir, 0x6969, async () => {
          for (let i = 0; i < 2; i++) {
            const pool = createPool(options(file));
            try {
              await pool.write((db) => db.run('CREATE TABLE IF NOT EXISTS t (x)'));
              await pool.write((db) => db.run('INSERT INTO t VALUES (?)', [i]));
              t.deepEqual(await pool.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: i + 1 });
            } finally {
              await pool.close();
            }
          }
        }),
      );
      const mine = seen.filter((w) => code(w) === 'ROAS_POOL_NETWORK_FILESYSTEM');
      t.is(mine.length, 1, mine.map((w) => w.message).join('\n'));
      t.true(mine[0]!.message.includes(`${file} is on a network filesystem (nfs)`), mine[0]!.message);
      const detail = (mine[0] as Error & { detail?: string }).detail ?? '';
      t.true(detail.includes('--disable-warning=ROAS_POOL_NETWORK_FILESYSTEM'), detail);
    },
  );
}

test.serial('a database on a local disk opens without the warning', async (t) => {
  const file = tempDir().file();
  const seen = await warnings(async () => {
    const pool = createPool({ filename: file, threads: true });
    await pool.write((db) => db.run('CREATE TABLE t (x)'));
    await pool.close();
  });
  t.deepEqual(
    seen.filter((w) => code(w) === 'ROAS_POOL_NETWORK_FILESYSTEM').map((w) => w.message),
    [],
  );
});

const preload = fileURLToPath(new URL('../../../test/fixtures/network-statfs.mjs', import.meta.url));
const entry = new URL('../../../index.ts', import.meta.url).href;

// Worker threads run a driver of their own on the same file. In a child whose every thread sees
// NFS (the preload above, inherited by its threads), the warning is still told once a process.
for (const [mode, options] of [
  ['inline', '{}'],
  ['threads: true', '{ threads: true, offloadThresholdMs: 0 }'],
  ["threads: 'all'", "{ threads: 'all' }"],
] as const) {
  test(`${mode}: told once in a process whose worker threads see NFS too`, (t) => {
    const dir = tempDir();
    const script = `
import { createPool } from '${entry}';
const pool = createPool({ filename: ${JSON.stringify(dir.file())}, ...${options} });
await pool.write((db) => db.run('CREATE TABLE t (x)'));
await Promise.all(Array.from({ length: 8 }, () => pool.read((db) => db.all('SELECT * FROM t'))));
await pool.close();`;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', preload, '--input-type=module', '-e', script],
      { encoding: 'utf8', env: { ...process.env, ROAS_TEST_NFS_DIR: dir.dir }, timeout: 120_000 },
    );
    t.is(r.status, 0, r.stderr);
    t.is(r.stderr.match(/\[ROAS_POOL_NETWORK_FILESYSTEM\]/g)?.length, 1, r.stderr);
  });
}
