import test from 'ava';
import { join } from 'node:path';
import {
  createPool,
  hybridDriver,
  nodeSqliteAvailable,
  nodeSqliteDriver,
  PoolError,
  sqliteDriver,
  threadDriver,
} from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { ERROR_INFO } from '../errors/errors.js';
import { aliasNames, aliasOf } from '../options/option-aliases.js';
import { showValue } from '../errors/show-value.js';

function thrown(fn: () => unknown): PoolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PoolError) return err;
    throw new Error(`expected a PoolError, got ${String(err)}`);
  }
  throw new Error('expected a throw');
}

const option = (options: Record<string, unknown>): PoolError =>
  thrown(() => createPool({ filename: 'x.db', ...options }));

test('a received value is shown with its type', (t) => {
  t.is(showValue('10'), "'10' (string)");
  t.is(showValue(10), '10 (number)');
  t.is(showValue(NaN), 'NaN (number)');
  t.is(showValue({}), '{} (object)');
  t.is(showValue([1, 2]), '[1,2] (array)');
  t.is(showValue(null), 'null');
  t.is(showValue(new Map()), 'an instance of Map (object)');
  t.is(
    showValue(() => 1),
    'an anonymous function (function)',
  );
});

test("a string '10' for max reads as got '10' (string), with the accepted range", (t) => {
  const err = option({ max: '10' });
  t.is(err.code, 'INVALID_OPTION');
  t.regex(err.message, /"max" must be an integer >= 1 and <= 1000 .*got '10' \(string\)/);
});

test('sizes have an upper bound with a reason: min 100000 is refused at once', (t) => {
  t.regex(
    option({ min: 100_000 }).message,
    /"min" must be an integer >= 0 and <= 1000 \(each connection is a file handle/,
  );
  t.regex(option({ max: 5000 }).message, /"max" .* <= 1000/);
  t.regex(option({ maxWaiting: 1e8 }).message, /"maxWaiting" .* <= 10000000/);
});

test('every duration is at most 2^31-1 ms, the longest a Node.js timer waits', (t) => {
  const durations = [
    'acquireTimeoutMs',
    'busyTimeoutMs',
    'reconnectBackoffMs',
    'reconnectBackoffMaxMs',
    'idleTimeoutMs',
    'resizeCooldownMs',
    'leakDetectionThresholdMs',
    'closeTimeoutMs',
    'validateAfterIdleMs',
    'maxLifetimeMs',
    'statsIntervalMs',
    'statsWindowMs',
  ];
  for (const key of durations) {
    const err = option({ [key]: 2 ** 31 });
    t.is(err.code, 'INVALID_OPTION', key);
    t.regex(err.message, new RegExp(`"${key}" .*<= 2147483647`), key);
  }
  t.regex(option({ alerts: { saturationMs: 2 ** 31 } }).message, /"alerts.saturationMs" .*<= 2147483647/);
  t.regex(option({ statsTable: { intervalMs: 2 ** 31 } }).message, /"statsTable.intervalMs" .*<= 2147483647/);
  t.notThrows(() => createPool({ filename: 'x.db', maxLifetimeMs: 2 ** 31 - 1 }).close());
});

test("per-connection databases (':memory:', '', file::memory:) are refused with the reason", (t) => {
  for (const filename of [
    ':memory:',
    '',
    'file::memory:',
    'file::memory:?cache=shared',
    'file:bot?mode=memory',
  ]) {
    for (const make of [
      () => createPool({ filename }),
      () => sqliteDriver({ filename }),
      () => threadDriver({ filename }),
    ]) {
      const err = thrown(make);
      t.is(err.code, 'INVALID_OPTION', filename);
      t.regex(
        err.message,
        /(in-memory database belongs to the one connection|private temporary database for each connection)/,
      );
    }
  }
});

test('a folder, or a path under an unexpanded "~", is refused at once in every mode, with the file to name instead', (t) => {
  const dir = tempDir();
  for (const make of [
    (filename: string) => createPool({ filename }),
    (filename: string) => createPool({ filename, threads: true }),
    (filename: string) => createPool({ filename, threads: 'all' }),
    (filename: string) => sqliteDriver({ filename }),
    (filename: string) => threadDriver({ filename }),
    (filename: string) => hybridDriver({ filename }),
    ...(nodeSqliteAvailable() ? [(filename: string) => nodeSqliteDriver({ filename })] : []),
  ]) {
    const folder = thrown(() => make(dir.dir));
    t.is(folder.code, 'INVALID_OPTION');
    t.true(
      folder.message.includes(
        `a folder: SQLite opens a file. Name a file in it, such as '${join(dir.dir, 'bot.db')}'`,
      ),
      folder.message,
    );
    const home = thrown(() => make('~/data/bot.db'));
    t.is(home.code, 'INVALID_OPTION');
    t.true(home.message.includes(`which Node does not expand`), home.message);
    t.true(home.message.includes(`join(homedir(), 'data/bot.db')`), home.message);
  }
  // A file in the folder, and a file not made yet, are taken.
  t.notThrows(() => sqliteDriver({ filename: dir.file() }).dispose?.());
});

test("scheduler: 'x', a driver without open() and unsafe pragmas are typed errors", (t) => {
  t.regex(
    option({ scheduler: 'x' }).message,
    /"scheduler" must be an RxJS SchedulerLike .*got 'x' \(string\)/,
  );
  t.regex(
    thrown(() => createPool({ driver: {} as never })).message,
    /"driver" must be a Driver .*got \{\} \(object\)/,
  );
  t.regex(
    option({ pragmas: { synchronous: 'FULL; DROP TABLE t' } }).message,
    /"pragmas.synchronous" must be/,
  );
  t.regex(option({ pragmas: { journal_mode: 'DELETE' } }).message, /must stay WAL/);
});

test('unknown options are matched by meaning first: names from other pools lead to this one', (t) => {
  const cases: [string, RegExp][] = [
    ['maxConnections', /did you mean "max"\?/],
    ['maximumPoolSize', /did you mean "max"\? \(the name in HikariCP/],
    ['connectionTimeout', /did you mean "acquireTimeoutMs"\?/],
    ['idleTimeout', /did you mean "idleTimeoutMs"\?/],
    ['maxLifetime', /did you mean "maxLifetimeMs"\?/],
    ['leakDetectionThreshold', /did you mean "leakDetectionThresholdMs"\?/],
    ['acquireTimeoutMillis', /did you mean "acquireTimeoutMs"\?/],
    ['idleTimeoutMillis', /did you mean "idleTimeoutMs"\?/],
    ['evictionRunIntervalMillis', /did you mean "idleTimeoutMs"\?/],
    [
      'connectionTimeoutMillis',
      /did you mean "acquireTimeoutMs"\?.*postgresDriver\(\{ connectionTimeoutMillis \}\)/,
    ],
    ['maxWaitingClients', /did you mean "maxWaiting"\?/],
    ['timeout', /did you mean "busyTimeoutMs"\?/],
    ['closeTimeoutMillis', /did you mean "closeTimeoutMs"\?/],
    ['maxLifetimeSeconds', /did you mean "maxLifetimeMs"\? .*seconds x 1000/],
    ['safeIntegers', /sqliteDriver\(\{ filename, safeIntegers: true \}\).*lease\.raw/],
    ['fileMustExist', /sqliteDriver\(\{ filename, fileMustExist: true \}\)/],
    ['readonly', /readers are already opened read-only/],
    ['verbose', /debugLog\(\)/],
    ['connectionString', /postgresDriver/],
  ];
  for (const [key, expected] of cases) t.regex(option({ [key]: 1 }).message, expected, key);
  // Then by spelling, and a list when nothing is close.
  t.regex(option({ maxWaitng: 1 }).message, /did you mean "maxWaiting"\?/);
  t.regex(option({ zzzqqq: 1 }).message, /the options are filename, driver/);
});

test('every alias leads to a real option, or says where the setting belongs', (t) => {
  const known = createPool({ filename: 'x.db' });
  void known.close();
  for (const name of aliasNames()) {
    const alias = aliasOf(name);
    t.truthy(alias?.use !== undefined || (alias?.note ?? '').length > 20, name);
    if (alias?.use === undefined) continue;
    // The option it names exists: createPool accepts it as a key (whatever it says of the value).
    const err = (() => {
      try {
        createPool({ filename: 'x.db', [alias.use]: Symbol('probe') });
      } catch (e) {
        return e as PoolError;
      }
      return undefined;
    })();
    t.notRegex(err?.message ?? '', /unknown option/, `${name} -> ${alias.use}`);
  }
});

const STOP = new Set([
  'the',
  'and',
  'for',
  'with',
  'that',
  'this',
  'its',
  'use',
  'are',
  'was',
  'not',
  'or',
  'from',
  'one',
]);

/** True when `remedy` only restates `diagnosis`: a stock phrase, or mostly the diagnosis's own words. */
function restates(diagnosis: string, remedy: string): boolean {
  if (/as the message says|see the message|fix the (option|error|problem)|^fix it/i.test(remedy)) return true;
  const words = (text: string): Set<string> =>
    new Set((text.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((w) => !STOP.has(w)));
  const d = words(diagnosis);
  const r = words(remedy);
  return r.size === 0 || [...r].filter((w) => d.has(w)).length / r.size >= 0.5;
}

test('no remedy merely restates its diagnosis', (t) => {
  // The check can fail: the remedy INVALID_OPTION had, and a reworded copy, are both caught.
  t.true(
    restates('an option passed to the pool is unknown or out of range', 'fix the option as the message says'),
  );
  t.true(restates('the wait queue is full', 'the queue is full: wait'));
  for (const [code, { diagnosis, remedy }] of Object.entries(ERROR_INFO))
    t.false(restates(diagnosis, remedy), `${code}: "${remedy}" restates "${diagnosis}"`);
});

test.serial('acquire and pool.read() check their arguments at the call, and reject', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file() });
  // A promise API rejects, never throws: each call returns a promise rejected INVALID_ARGUMENT.
  const bad = async (fn: () => Promise<unknown>): Promise<PoolError> => {
    let returned: Promise<unknown> | undefined;
    t.notThrows(() => (returned = fn()));
    const err = await t.throwsAsync<PoolError>(returned as Promise<unknown>);
    t.is(err?.code, 'INVALID_ARGUMENT');
    return err;
  };
  t.regex(
    (await bad(() => pool.acquire({ timeoutMs: NaN }))).message,
    /"timeoutMs" must be a number of ms .*got NaN \(number\)/,
  );
  t.regex((await bad(() => pool.acquire({ timeoutMs: 'abc' as never }))).message, /got 'abc' \(string\)/);
  t.regex((await bad(() => pool.acquire({ timeoutMs: {} as never }))).message, /got \{\} \(object\)/);
  t.regex((await bad(() => pool.acquire({ timeoutMs: 2 ** 31 }))).message, /from 0 to 2147483647/);
  t.regex(
    (await bad(() => pool.acquire({ mode: 'WRITE' as never }))).message,
    /must be 'read' or 'write', got 'WRITE' \(string\); did you mean 'write'\?/,
  );
  t.regex(
    (await bad(() => pool.acquire({ mode: 'rw' as never }))).message,
    /did you mean 'write' \(a write lease also reads\)\? Fix:/,
  );
  t.regex(
    (await bad(() => pool.acquire('write' as never))).message,
    /did you mean acquire\(\{ mode: 'write' \}\)\?/,
  );
  t.regex(
    (await bad(() => pool.acquire({ signal: 'stop' as never }))).message,
    /"signal" must be an AbortSignal .*got 'stop' \(string\)/,
  );
  t.regex(
    (await bad(() => pool.acquire({ timeout: 5 } as never))).message,
    /unknown option "timeout"; did you mean "timeoutMs"\?/,
  );
  t.regex(
    (await bad(() => pool.read('SELECT 1' as never))).message,
    /takes a function \(lease\) => result .*got 'SELECT 1' \(string\); to run SQL/,
  );
  t.regex((await bad(() => pool.write(undefined as never))).message, /got undefined/);
  t.regex((await bad(() => pool.transaction(async () => 1, { timeoutMs: -1 }))).message, /"timeoutMs"/);
  t.regex(
    (await bad(() => pool.read(async () => 1, { mode: 'write' } as never))).message,
    /pool.read\(\) always reads/,
  );
  // Nothing was acquired by any of them; good calls still work.
  t.is(pool.stats().leased, 0);
  t.deepEqual(
    await pool.read((db) => db.get('SELECT 1 AS one'), {
      timeoutMs: 1000,
      signal: new AbortController().signal,
    }),
    { one: 1 },
  );
  const lease = await pool.acquire({ mode: 'write', timeoutMs: 100 });
  lease.release();
  await pool.close();
  tmp.cleanup();
});
