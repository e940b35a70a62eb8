import test from 'ava';
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  createPool,
  hybridDriver,
  nodeSqliteAvailable,
  nodeSqliteDriver,
  sqliteDriver,
  threadDriver,
} from '../../../index.js';
import type { Driver } from '../../../core/driver.js';
import { PoolError } from '../../../core/errors/errors.js';
import type { PoolOptions } from '../../../core/options/options.js';
import { tempDir } from '../../../test/helpers.js';
import { claimSqliteFile } from './library-claim.js';
import { checkLaneOption } from './sqlite-options.js';

// The lane runs on Linux and macOS. Asked for by name where it does not run, it is refused with
// INVALID_OPTION; unset there, it is left out, as docs/shards.md says. This machine is Linux: the
// other systems cannot be made here, so these tests give the check another `process.platform`,
// the one input it reads (passed in, or set on `process` for one serial test and restored).

test('an explicit true is refused where the lane does not run, and named in the error', (t) => {
  for (const platform of ['win32', 'freebsd', 'openbsd', 'sunos', 'aix'] as const) {
    const err = t.throws(() => checkLaneOption(true, 'option "crossProcessLane"', platform), {
      instanceOf: PoolError,
    });
    t.is(err.code, 'INVALID_OPTION');
    t.true(err.message.includes('option "crossProcessLane": true'), err.message);
    t.true(err.message.includes(`not on ${platform}`), err.message);
    t.true(err.message.includes('set it to false'), err.message);
  }
});

test('unset or false is never refused, and true is taken where the lane runs', (t) => {
  for (const platform of ['win32', 'freebsd', 'linux', 'darwin'] as const) {
    t.notThrows(() => checkLaneOption(undefined, 'x', platform));
    t.notThrows(() => checkLaneOption(false, 'x', platform));
  }
  t.notThrows(() => checkLaneOption(true, 'x', 'linux'));
  t.notThrows(() => checkLaneOption(true, 'x', 'darwin'));
});

/** Runs `fn` with `process.platform` reading `platform`, then restores it. */
function as<T>(platform: NodeJS.Platform, fn: () => T): T {
  const own = Object.getOwnPropertyDescriptor(process, 'platform');
  Object.defineProperty(process, 'platform', { value: platform, configurable: true });
  try {
    return fn();
  } finally {
    if (own) Object.defineProperty(process, 'platform', own);
  }
}

type Factory = (filename: string, lane: boolean | undefined) => Driver;

const drivers: [string, Factory][] = [
  ['sqliteDriver', (filename, lane) => sqliteDriver({ filename, lane })],
  ['threadDriver', (filename, lane) => threadDriver({ filename, lane })],
  ['hybridDriver', (filename, lane) => hybridDriver({ filename, lane })],
  ...(nodeSqliteAvailable()
    ? ([['nodeSqliteDriver', (filename, lane) => nodeSqliteDriver({ filename, lane })]] as [
        string,
        Factory,
      ][])
    : []),
];

/** Whether the driver `make` builds keeps a lane; the driver is disposed of (its lane closed). */
async function gateOf(make: () => Driver): Promise<boolean> {
  const driver = make();
  try {
    return driver.writeGate !== undefined;
  } finally {
    await driver.dispose?.();
  }
}

for (const [name, make] of drivers) {
  test.serial(
    `${name}: lane true or unset keeps the lane here, false leaves it out; on win32 true is refused and unset leaves it out`,
    async (t) => {
      const file = tempDir().file();
      t.true(await gateOf(() => make(file, true)));
      t.true(await gateOf(() => make(file, undefined)));
      t.false(await gateOf(() => make(file, false)));
      const err = as('win32', () => t.throws(() => make(file, true), { instanceOf: PoolError }));
      t.is(err.code, 'INVALID_OPTION');
      t.true(err.message.includes(`: ${name} option "lane": true asks`), err.message);
      t.false(await gateOf(() => as('win32', () => make(file, undefined))));
      t.false(await gateOf(() => as('win32', () => make(file, false))));
    },
  );
}

const modes: [string, Partial<PoolOptions>][] = [
  ['inline', {}],
  ['threads: true', { threads: true }],
  ["threads: 'all'", { threads: 'all' }],
];

for (const [mode, options] of modes) {
  test.serial(
    `createPool (${mode}): crossProcessLane true keeps the lane here; on win32 it is refused before a connection opens, and unset runs without a lane`,
    async (t) => {
      const file = tempDir().file();
      const here = createPool({ filename: file, ...options, crossProcessLane: true });
      await here.write((db) => db.exec('CREATE TABLE IF NOT EXISTS t (x)'));
      t.not(here.stats().lane, undefined);
      await here.close();
      const err = as('win32', () =>
        t.throws(() => createPool({ filename: file, ...options, crossProcessLane: true }), {
          instanceOf: PoolError,
        }),
      );
      t.is(err.code, 'INVALID_OPTION');
      t.true(err.message.includes(': option "crossProcessLane": true asks'), err.message);
      const elsewhere = as('win32', () => createPool({ filename: file, ...options }));
      await elsewhere.write((db) => db.run('INSERT INTO t VALUES (1)'));
      t.is(elsewhere.stats().lane, undefined);
      t.deepEqual(await elsewhere.read((db) => db.get('SELECT count(*) AS n FROM t')), { n: 1 });
      await elsewhere.close();
    },
  );
}

/** The threads of this process (Linux): a worker thread is one more. */
function threads(): number {
  return readdirSync('/proc/self/task').length;
}

test.serial(
  'a lane option refused on win32 leaves nothing behind: the file is not claimed, no thread is started',
  async (t) => {
    const file = tempDir().file();
    // The libuv pool's threads start at the first asynchronous file call: start them before counting.
    await stat(file).catch(() => undefined);
    const before = threads();
    for (const [name, make] of drivers) {
      const err = as('win32', () => t.throws(() => make(file, true), { instanceOf: PoolError }));
      t.is(err.code, 'INVALID_OPTION', name);
      // Claimed for one SQLite library and never released, the file would refuse the other one.
      t.notThrows(() => claimSqliteFile(file, 'node:sqlite', 'the test')(), `${name}: not claimed`);
    }
    // `new Worker` creates its thread at once: a thread started by a refused factory shows here.
    t.true(threads() <= before, `threads: ${before} before, ${threads()} after`);
  },
);
