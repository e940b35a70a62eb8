import test from 'ava';
import type { BotDb } from '../adapters/faces/bot-db.js';
import { withInjectedErrors } from './contenders/inject-errors.js';
import { roasPool } from './contenders/roas-pool.js';
import { runConcurrentTest } from './run-concurrent-test.js';
import type { Contender } from './types.js';

/**
 * A contender that acknowledges one message-log INSERT without running it. SQLite does not lose
 * committed writes on its own, so this fault has to be simulated: it stands for a pool or facade
 * bug that resolves a write it never made.
 */
function dropOneWrite(inner: Contender): Contender & { dropped: () => string | undefined } {
  let dropped: string | undefined;
  return {
    name: `${inner.name}+drop`,
    description: 'drops one write',
    dropped: () => dropped,
    async open(context) {
      const session = await inner.open(context);
      const wrap = (db: BotDb): BotDb => ({
        ...db,
        run: (sql, params) => {
          if (dropped === undefined && sql.startsWith('INSERT INTO messages') && Array.isArray(params)) {
            dropped = params[0] as string;
            return Promise.resolve({ changes: 1, lastInsertRowid: 0 });
          }
          return db.run(sql, params);
        },
      });
      return { ...session, db: (i) => wrap(session.db(i)) };
    },
  };
}

test('reports exactly the error rate of a contender with injected errors', async (t) => {
  const faulty = withInjectedErrors(roasPool(), 4);
  const result = await runConcurrentTest({
    workers: 5,
    durationMs: 300,
    scenario: 'bot-mix',
    contender: faulty,
  });
  t.true(faulty.injected() > 0);
  t.is(result.ops, faulty.calls());
  t.deepEqual(result.errorsByCode, { INJECTED: faulty.injected() });
  t.is(result.errors, Math.floor(result.ops / 4));
  t.is(result.errorRate, faulty.injected() / faulty.calls());
  t.is(result.okOps, result.ops - result.errors);
  t.true(result.integrity.ok);
});

test('measures an honest run: latencies for every operation, a timeline, no retained leases', async (t) => {
  const result = await runConcurrentTest({
    workers: 4,
    durationMs: 300,
    scenario: 'bot-mix',
    contender: 'roas-pool',
  });
  t.true(result.ops > 0);
  t.is(result.opLatency.count, result.ops);
  t.true(result.acquireWait.count >= result.ops);
  t.true(
    result.opLatency.p50Ms <= result.opLatency.p95Ms && result.opLatency.p95Ms <= result.opLatency.p99Ms,
  );
  t.true(result.opLatency.p99Ms <= result.opLatency.maxMs);
  t.true(result.timeline.length >= 2);
  t.true(result.timeline.some((p) => p.size > 0));
  t.is(result.retainedLeases, 0);
  t.true(result.integrity.ok);
  t.true(result.integrity.acknowledged > 0);
});

test('times the wait of every roas-pool transaction, which leases without calling acquire()', async (t) => {
  // long-transactions writes only in XP awards, each one transaction acknowledged once it commits.
  const result = await runConcurrentTest({
    workers: 4,
    durationMs: 300,
    scenario: 'long-transactions',
    contender: 'roas-pool',
  });
  t.is(result.errors, 0);
  t.true(result.integrity.acknowledged > 0);
  t.is(result.acquireWaitWrite.count, result.integrity.acknowledged);
});

test("catches a dropped write in the scenario's integrity check", async (t) => {
  const contender = dropOneWrite(roasPool());
  const result = await runConcurrentTest({ workers: 3, durationMs: 300, scenario: 'write-heavy', contender });
  const id = contender.dropped();
  t.truthy(id);
  t.false(result.integrity.ok);
  t.is(result.integrity.missing, 1);
  t.deepEqual(result.integrity.problems, [`acknowledged write ${id} is missing`]);
});

test('runs the processes scenario in child processes on one file', async (t) => {
  const result = await runConcurrentTest({
    workers: 4,
    durationMs: 300,
    scenario: 'processes',
    contender: 'roas-pool',
  });
  t.is(result.processes, 4);
  t.true(result.ops > 0);
  t.is(result.opLatency.count, result.ops);
  t.true(result.integrity.ok);
  t.true(result.integrity.acknowledged > 0);
});

test('rejects a worker count that is not a positive integer', async (t) => {
  await t.throwsAsync(
    runConcurrentTest({ workers: 0, durationMs: 10, scenario: 'bot-mix', contender: 'roas-pool' }),
    { message: /workers must be a positive integer/ },
  );
});

test('stops a run whose event loop freezes and reports it from its last snapshot', async (t) => {
  // The naive contender's 5 s busy wait blocks the holder of the write lock from committing.
  const result = await runConcurrentTest({
    workers: 10,
    durationMs: 1000,
    scenario: 'bot-mix',
    contender: 'naive',
    isolate: { graceMs: 500 },
  });
  t.truthy(result.stopped);
  t.is(result.errorsByCode.STOPPED, 10);
  t.is(result.errorRate, result.errors / result.ops);
  t.true(result.eventLoop.maxMs >= (result.stopped?.silentMs ?? Infinity));
  t.true(result.integrity.ok);
});

test('tracks heap over a soak run and ends it with no retained leases', async (t) => {
  const result = await runConcurrentTest({
    workers: 4,
    durationMs: 300,
    scenario: 'soak',
    contender: 'roas-pool',
  });
  t.is(result.scenario, 'soak');
  t.is(result.retainedLeases, 0);
  t.true(result.timeline.every((p) => p.heapUsed > 0));
  t.is(result.memory.heapGrowthBytes, result.memory.end.heapUsed - result.memory.start.heapUsed);
  t.true(result.integrity.ok);
});

test("takes the plan's positional form: runConcurrentTest(workers, duration) runs bot-mix on roas-pool", async (t) => {
  const result = await runConcurrentTest(3, 150);
  t.is(result.workers, 3);
  t.is(result.scenario, 'bot-mix');
  t.is(result.contender, 'roas-pool');
  t.true(result.okOps > 0);
  t.is(result.errors, 0);
  t.true(result.integrity.ok);
});

test('rejects a duration that is not a positive number of milliseconds', async (t) => {
  await t.throwsAsync(runConcurrentTest(3, 0), { message: /durationMs must be a positive number/ });
  await t.throwsAsync(runConcurrentTest(3, Number.NaN), { message: /got NaN \(number\)/ });
});
