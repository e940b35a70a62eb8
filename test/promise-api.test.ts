/**
 * A promise API rejects, never throws: `pool.acquire(bad).catch(handle)` must work. This test walks
 * every public method that returns a promise, found from the exports (each entry point's functions
 * and each exported class's prototype), and calls it badly: it must return a rejected promise with
 * a typed PoolError. An export or method this table does not know fails the test, so a new one
 * cannot be forgotten; one that returns no promise is listed with why.
 */
import test, { type ExecutionContext } from 'ava';
import { CompiledQuery } from 'kysely';
import * as root from '../index.js';
import { createPool, isPoolError, type Lease, type Pool, type PoolErrorCode } from '../index.js';
import * as drizzleFace from '../adapters/faces/drizzle.js';
import * as kyselyFace from '../adapters/faces/kysely.js';
import * as prometheusFace from '../adapters/faces/prometheus.js';
import * as postgresEntry from '../postgres.js';
import * as suite from '../suite/index.js';
import { tempDir } from './helpers.js';

type Bad = [label: string, call: () => unknown, code: PoolErrorCode];

/** Exported functions (and classes) that return no promise, and why they may throw. */
const NO_PROMISE: Record<string, string> = {
  createPool: 'a constructor: throws INVALID_OPTION',
  defaultWiring: 'returns the wiring',
  PoolError: 'the error class',
  isPoolError: 'a type guard',
  diagnose: 'returns a diagnosis',
  diagnoseSqliteCode: 'returns a diagnosis',
  poolAlerts: 'returns an Observable',
  debugLog: 'returns an unsubscribe function',
  sqliteDriver: 'a driver factory: throws INVALID_OPTION',
  threadDriver: 'a driver factory: throws INVALID_OPTION',
  hybridDriver: 'a driver factory: throws INVALID_OPTION',
  postgresDriver: 'a driver factory: throws INVALID_OPTION',
  classifyPostgresError: 'returns a class of error',
  isReadonlySql: 'returns a boolean',
  isSerializationFailure: 'a type guard',
  questionToDollar: 'returns SQL',
  RoasPoolDialect: 'Kysely calls its factories; walked below for its Driver and connections',
  drizzle: 'a constructor: throws NOT_SUPPORTED; its transaction() is walked below',
  collectPoolMetrics: 'registers collectors; returns a stop function',
  markdownTable: 'returns text',
  verdicts: 'returns verdicts',
  monitorErrorRates: 'returns a monitor',
  errorCode: 'returns a code',
  contenderByName: 'returns a contender',
  naive: 'returns a contender',
  tarn: 'returns a contender',
  genericPoolContender: 'returns a contender',
  roasPool: 'returns a contender',
  withInjectedErrors: 'returns a contender',
  InjectedError: 'an error class',
  scenarioByName: 'returns a scenario',
  weightedScenario: 'returns a scenario',
  nodeSqliteDriver: 'a driver factory: throws NOT_SUPPORTED or INVALID_OPTION',
  nodeSqliteAvailable: 'returns a boolean',
  connectionUrl: 'returns a connection URL',
  diagnosePostgresCode: 'returns a diagnosis',
  diagnosePostgresError: 'returns a diagnosis',
};

/** Prototype methods that return no promise (and the private helpers TypeScript leaves there). */
const NO_PROMISE_METHODS: Record<string, readonly string[]> = {
  Pool: ['stats', 'resize'],
  Lease: [
    'iterate',
    'release',
    'resolvedAtOnce',
    'assertLive',
    'assertHeld',
    'refusal',
    'call',
    'statement',
    'again',
    'failed',
    'invoke',
    'inlineNow',
    // @internal: the pool's own BEGIN and COMMIT; a promise, or nothing when they ran at once.
    'execNow',
  ],
  ConnectionPoolManager: ['getPoolStats'],
  RoasPoolConnection: ['streamQuery'],
  RoasPoolDialect: ['createDriver', 'createQueryCompiler', 'createAdapter', 'createIntrospector'],
};

/** Methods that take no argument that could be wrong; they are still called on a closed pool. */
const NOTHING_TO_GET_WRONG = new Set([
  'Pool.optimize',
  'Pool.close',
  'ConnectionPoolManager.optimizePool',
  'ConnectionPoolManager.close',
  'RoasPoolDriver.init',
  'RoasPoolDriver.acquireConnection',
  'RoasPoolDriver.destroy',
  'RoasPoolConnection.unpin',
  'RoasPoolConnection.commit',
  'RoasPoolConnection.commitAll',
  'RoasPoolConnection.rollback',
]);

/** A wrong value, typed to fit any parameter. */
const bad = (value: unknown): never => value as never;

function methods(cls: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(cls.prototype).filter(
    (name) =>
      name !== 'constructor' &&
      typeof Object.getOwnPropertyDescriptor(cls.prototype, name)?.value === 'function',
  );
}

/** Calls `call`, which must return a promise that rejects with PoolError `code`, and not throw. */
async function rejects(t: ExecutionContext, [label, call, code]: Bad): Promise<void> {
  let returned: unknown;
  try {
    returned = call();
  } catch (err) {
    t.fail(`${label} threw synchronously instead of rejecting: ${String(err)}`);
    return;
  }
  if (!(returned instanceof Promise)) {
    t.fail(`${label} returned ${typeof returned}, not a promise`);
    return;
  }
  const err: unknown = await returned.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.true(isPoolError(err), `${label} rejected with ${String(err)}, not a PoolError`);
  t.is((err as { code?: string } | undefined)?.code, code, `${label}: ${String(err)}`);
}

/** The bad calls of each class's promise methods, keyed `Class.method`. */
function badCalls(pool: Pool, lease: Lease, released: Lease): Record<string, Bad[]> {
  const manager = new root.ConnectionPoolManager(pool);
  const driver = new kyselyFace.RoasPoolDriver({ pool });
  const connection = new kyselyFace.RoasPoolConnection(pool);
  const adapter = new kyselyFace.RoasPoolAdapter();
  const statements = (name: string, call: (l: Lease, sql: unknown) => unknown): Bad[] => [
    [`lease.${name}(42)`, () => call(lease, 42), 'INVALID_ARGUMENT'],
    [`lease.${name}() after release()`, () => call(released, 'SELECT 1'), 'LEASE_RELEASED'],
  ];
  return {
    'Pool.acquire': [
      ["acquire({ mode: 'rw' })", () => pool.acquire(bad({ mode: 'rw' })), 'INVALID_ARGUMENT'],
      ["acquire('write')", () => pool.acquire(bad('write')), 'INVALID_ARGUMENT'],
    ],
    'Pool.read': [['read(42)', () => pool.read(bad(42)), 'INVALID_ARGUMENT']],
    'Pool.write': [
      ['write(fn, { bogus: 1 })', () => pool.write(() => 1, bad({ bogus: 1 })), 'INVALID_ARGUMENT'],
    ],
    'Pool.transaction': [
      [
        'transaction(fn, { bogus: 1 })',
        () => pool.transaction(() => 1, bad({ bogus: 1 })),
        'INVALID_ARGUMENT',
      ],
      [
        'transaction(fn, { timeoutMs: NaN })',
        () => pool.transaction(() => 1, { timeoutMs: NaN }),
        'INVALID_ARGUMENT',
      ],
    ],
    'Lease.run': statements('run', (l, sql) => l.run(bad(sql))),
    'Lease.get': statements('get', (l, sql) => l.get(bad(sql))),
    'Lease.all': statements('all', (l, sql) => l.all(bad(sql))),
    'Lease.values': statements('values', (l, sql) => l.values(bad(sql))),
    'Lease.exec': statements('exec', (l, sql) => l.exec(bad(sql))),
    'Lease.isReadonly': statements('isReadonly', (l, sql) => l.isReadonly(bad(sql))),
    'Lease.describe': statements('describe', (l, sql) => l.describe(bad(sql))),
    'Lease.getMany': [
      ...statements('getMany', (l, sql) => l.getMany(bad(sql), [])),
      ["lease.getMany('SELECT ?', 42)", () => lease.getMany('SELECT ?', bad(42)), 'INVALID_ARGUMENT'],
    ],
    'ConnectionPoolManager.getConnection': [
      ["getConnection('rw')", () => manager.getConnection(bad('rw')), 'INVALID_ARGUMENT'],
    ],
    'ConnectionPoolManager.releaseConnection': [
      ['releaseConnection(42)', () => manager.releaseConnection(bad(42)), 'INVALID_ARGUMENT'],
      ['releaseConnection(released)', () => manager.releaseConnection(released), 'DOUBLE_RELEASE'],
    ],
    'RoasPoolDriver.beginTransaction': [
      ['beginTransaction(42)', () => driver.beginTransaction(bad(42), {}), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolDriver.commitTransaction': [
      ['commitTransaction(42)', () => driver.commitTransaction(bad(42)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolDriver.rollbackTransaction': [
      ['rollbackTransaction(42)', () => driver.rollbackTransaction(bad(42)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolDriver.savepoint': [
      ['savepoint(42)', () => driver.savepoint(bad(42), 'a', bad(null)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolDriver.rollbackToSavepoint': [
      [
        'rollbackToSavepoint(42)',
        () => driver.rollbackToSavepoint(bad(42), 'a', bad(null)),
        'INVALID_ARGUMENT',
      ],
    ],
    'RoasPoolDriver.releaseSavepoint': [
      ['releaseSavepoint(42)', () => driver.releaseSavepoint(bad(42), 'a', bad(null)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolDriver.releaseConnection': [
      ['releaseConnection(42)', () => driver.releaseConnection(bad(42)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolConnection.pin': [["pin('rw')", () => connection.pin(bad('rw')), 'INVALID_ARGUMENT']],
    'RoasPoolConnection.begin': [["begin('rw')", () => connection.begin(bad('rw')), 'INVALID_ARGUMENT']],
    'RoasPoolConnection.executeQuery': [
      ['executeQuery(42)', () => connection.executeQuery(bad(42)), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolAdapter.acquireMigrationLock': [
      ['acquireMigrationLock(42)', () => adapter.acquireMigrationLock(bad(42), bad({})), 'INVALID_ARGUMENT'],
    ],
    'RoasPoolAdapter.releaseMigrationLock': [
      ['releaseMigrationLock(42)', () => adapter.releaseMigrationLock(bad(42), bad({})), 'INVALID_ARGUMENT'],
    ],
  };
}

const CLASSES = {
  Pool: root.Pool,
  Lease: root.Lease,
  ConnectionPoolManager: root.ConnectionPoolManager,
  RoasPoolDriver: kyselyFace.RoasPoolDriver,
  RoasPoolConnection: kyselyFace.RoasPoolConnection,
  RoasPoolAdapter: kyselyFace.RoasPoolAdapter,
  RoasPoolDialect: kyselyFace.RoasPoolDialect,
};

const ENTRY_POINTS = { root, kyselyFace, drizzleFace, prometheusFace, postgresEntry, suite };

test('every exported function and class method is known to this test: walked, or listed as returning no promise', (t) => {
  const exported = Object.entries(ENTRY_POINTS).flatMap(([entry, module]) =>
    Object.entries(module)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => [entry, name] as const),
  );
  const walkedFunctions = new Set([
    'Pool',
    'Lease',
    'ConnectionPoolManager',
    'createBotDb',
    'RoasPoolDriver',
    'RoasPoolConnection',
    'RoasPoolAdapter',
    'poolCallback',
    'poolBatchCallback',
    'runConcurrentTest',
    'runMatrix',
    'generatePerformanceReport',
    'retrySerializationFailures',
    'serializableTransaction',
  ]);
  t.deepEqual(
    exported.filter(([, name]) => !walkedFunctions.has(name) && !(name in NO_PROMISE)),
    [],
    'an export this test does not know: walk it below, or list it in NO_PROMISE',
  );
  // Only the keys are read: nothing is called, nothing opens.
  const calls = badCalls(bad({ driver: { dialect: 'sqlite' } }), bad({}), bad({}));
  for (const [name, cls] of Object.entries(CLASSES)) {
    const known = new Set(NO_PROMISE_METHODS[name] ?? []);
    for (const method of methods(cls)) {
      const key = `${name}.${method}`;
      t.true(known.has(method) || key in calls || NOTHING_TO_GET_WRONG.has(key), `${key} is not walked`);
    }
  }
});

for (const threads of [false, true, 'all'] as const) {
  test(`every promise method of the pool, its leases and the faces rejects a bad call, never throws (threads: ${String(threads)})`, async (t) => {
    const dir = tempDir('roas-promise-api-');
    // A long deadline: worker threads boot slowly on a busy machine.
    const pool = createPool({ filename: dir.file(), threads, acquireTimeoutMs: 60_000 });
    try {
      await pool.write((db) => db.exec('CREATE TABLE IF NOT EXISTS t (x)'));
      const released = await pool.acquire({ mode: 'read' });
      released.release();
      const lease = await pool.acquire({ mode: 'write' });
      try {
        for (const calls of Object.values(badCalls(pool, lease, released)))
          for (const call of calls) await rejects(t, call);
      } finally {
        lease.release();
      }
      const botDb = root.createBotDb(pool);
      for (const name of Object.keys(botDb) as (keyof typeof botDb)[])
        await rejects(t, [
          `botDb.${name}(42)`,
          () => (botDb[name] as (arg: unknown) => unknown)(42),
          'INVALID_ARGUMENT',
        ]);
      const db = drizzleFace.drizzle(pool);
      await rejects(t, ['drizzle().transaction(42)', () => db.transaction(bad(42)), 'INVALID_ARGUMENT']);
      await rejects(t, [
        'poolCallback()(42)',
        () => drizzleFace.poolCallback(pool)(bad(42), [], 'all'),
        'INVALID_ARGUMENT',
      ]);
      await rejects(t, [
        'poolBatchCallback()(42)',
        () => drizzleFace.poolBatchCallback(pool)(bad(42)),
        'INVALID_ARGUMENT',
      ]);
      await rejects(t, [
        'poolBatchCallback()([BEGIN])',
        () => drizzleFace.poolBatchCallback(pool)([{ sql: 'BEGIN', params: [], method: 'run' }]),
        'UNPINNED_TRANSACTION',
      ]);
      // Kysely's own query objects reach the connection too: a real one passes the check.
      const connection = new kyselyFace.RoasPoolConnection(pool);
      t.deepEqual((await connection.executeQuery(CompiledQuery.raw('SELECT 1 AS one'))).rows, [{ one: 1 }]);
      await connection.unpin();
    } finally {
      await pool.close();
      dir.cleanup();
    }
    // Closed: every method with nothing to get wrong still answers through its promise.
    const manager = new root.ConnectionPoolManager(pool);
    for (const [label, call, code] of [
      ['acquire() after close', () => pool.acquire(), 'POOL_CLOSED'],
      ['read(fn) after close', () => pool.read(() => 1), 'POOL_CLOSED'],
      ['optimize() after close', () => pool.optimize(), 'POOL_CLOSED'],
      ['optimizePool() after close', () => manager.optimizePool(), 'POOL_CLOSED'],
    ] satisfies Bad[])
      await rejects(t, [label, call, code]);
    t.true(pool.close() instanceof Promise);
  });
}

test('the suite and the PostgreSQL helpers reject bad arguments with INVALID_ARGUMENT, never throw', async (t) => {
  const calls: Bad[] = [
    [
      'retrySerializationFailures(42)',
      () => postgresEntry.retrySerializationFailures(bad(42)),
      'INVALID_ARGUMENT',
    ],
    ['serializableTransaction(42)', () => root.serializableTransaction(bad(42), () => 1), 'INVALID_ARGUMENT'],
    ['runConcurrentTest(3, 0)', () => suite.runConcurrentTest(3, 0), 'INVALID_ARGUMENT'],
    [
      "runConcurrentTest({ scenario: 'nope' })",
      () => suite.runConcurrentTest({ workers: 1, durationMs: 10, scenario: 'nope', contender: 'naive' }),
      'INVALID_ARGUMENT',
    ],
    [
      "runConcurrentTest({ contender: 'nope' })",
      () => suite.runConcurrentTest({ workers: 1, durationMs: 10, scenario: 'bot-mix', contender: 'nope' }),
      'INVALID_ARGUMENT',
    ],
    ['runMatrix(42)', () => suite.runMatrix(bad(42)), 'INVALID_ARGUMENT'],
    ['generatePerformanceReport(42)', () => suite.generatePerformanceReport(bad(42)), 'INVALID_ARGUMENT'],
  ];
  for (const call of calls) await rejects(t, call);
});
