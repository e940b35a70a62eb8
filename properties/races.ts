import fc from 'fast-check';
import type { LeaseMode } from '../core/lease/lease.js';
import { FAILING_SQL, FATAL_SQL, memoryDriver } from './memory-driver.js';
import { realPool } from './inspectable-pool.js';
import type { PoolClass } from './inspectable-pool.js';
import type { DriverKind } from './pool-model.js';
import { expect, raceOn, type Outcome, type Race } from './race-harness.js';

/** Acquires one lease and waits until it is granted. */
async function holdOne(race: Race, mode: LeaseMode = 'read') {
  const held = race.track(race.pool.acquire({ mode }));
  await race.settle();
  expect(held.status === 'granted', 'settles-once', () => `first acquire is ${held.status} ${held.code}`);
  return held.lease as NonNullable<Outcome['lease']>;
}

/**
 * Release racing timeout (knex #1694): a waiter's deadline passes in the same turn as the holder
 * releases. Whichever wins, the connection is either the waiter's or free: never lost.
 */
export function releaseRacingTimeout(driver: DriverKind, poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 20 }), async (s, timeoutMs) => {
    const race = raceOn(driver, s, { max: 2, poolClass });
    const first = await holdOne(race);
    const waiter = race.track(race.pool.acquire({ timeoutMs }));
    race.later('release', () => first.release());
    race.later('deadline', () => race.clock.advance(timeoutMs));
    await race.settle();
    const st = race.pool.stats();
    if (waiter.status === 'granted') {
      expect(st.leased === 1, 'lease-lost', () => `granted, but ${st.leased} leased`);
      waiter.lease?.release();
    } else {
      expect(
        waiter.code === 'ACQUIRE_TIMEOUT',
        'settles-once',
        () => `waiter ${waiter.status} ${waiter.code}`,
      );
      expect(st.leased === 0 && st.idle === 1, 'lease-lost', () => `timed out, stats ${JSON.stringify(st)}`);
    }
    await race.finish();
  });
}

/** Abort racing grant: an aborted waiter either got the lease first or leaves no lease behind. */
export function abortRacingGrant(driver: DriverKind, poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const race = raceOn(driver, s, { max: 2, poolClass });
    const first = await holdOne(race, 'write');
    const controller = new AbortController();
    const waiter = race.track(race.pool.acquire({ mode: 'write', signal: controller.signal }));
    let abortedFirst = false;
    race.later('release', () => first.release());
    race.later('abort', () => {
      abortedFirst = !first.released;
      controller.abort();
    });
    await race.settle();
    const st = race.pool.stats();
    expect(
      !abortedFirst || waiter.code === 'ABORTED',
      'settles-once',
      () => `aborted waiter ${waiter.status}`,
    );
    if (waiter.status === 'granted') {
      expect(st.leased === 1, 'lease-lost', () => `granted, but ${st.leased} leased`);
      waiter.lease?.release();
    } else {
      expect(waiter.code === 'ABORTED', 'settles-once', () => `waiter ${waiter.status} ${waiter.code}`);
      expect(st.leased === 0, 'lease-lost', () => `aborted, stats ${JSON.stringify(st)}`);
    }
    await race.finish();
  });
}

/** Close racing acquire (pg #2282, generic-pool #175): every acquire settles, close resolves. */
export function closeRacingAcquire(driver: DriverKind, poolClass?: PoolClass) {
  const modes = fc.array(fc.constantFrom<LeaseMode>('read', 'write'), { minLength: 1, maxLength: 6 });
  return fc.asyncProperty(fc.scheduler(), modes, async (s, wanted) => {
    const race = raceOn(driver, s, { max: 3, poolClass });
    const outcomes: Outcome[] = [];
    wanted.forEach((mode, i) =>
      race.later(`acquire#${i}`, () => {
        const outcome = race.track(race.pool.acquire({ mode }));
        outcomes.push(outcome);
      }),
    );
    let closing: Promise<void> | undefined;
    race.later('close', () => {
      closing = race.pool.close();
    });
    await race.settle();
    for (const o of outcomes) {
      expect(o.status !== 'waiting', 'settles-once', () => 'an acquire racing close never settled');
      if (o.status === 'rejected')
        expect(o.code === 'POOL_CLOSED', 'settles-once', () => `acquire racing close gave ${o.code}`);
      else o.lease?.release();
    }
    expect(closing !== undefined, 'close', () => 'close never ran');
    await race.finish();
  });
}

/**
 * Close racing validation: an acquire finds a connection idle past validateAfterIdleMs and checks
 * it (SELECT 1) while close() starts. It is granted only if the check answered before close()
 * began; otherwise it is refused with POOL_CLOSED, as the waiters are. Either way close resolves.
 */
export function closeRacingValidation(poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const race = raceOn('sqlite', s, { max: 2, poolClass, validateAfterIdleMs: 10 });
    (await holdOne(race)).release();
    await race.settle();
    race.clock.advance(20);
    let closeCalled = false;
    let grantedAfterClose = false;
    const acquire = race.pool.acquire();
    const outcome = race.track(acquire);
    acquire.then(
      () => (grantedAfterClose = closeCalled),
      () => undefined,
    );
    race.later('close', () => {
      closeCalled = true;
      void race.pool.close();
    });
    await race.settle();
    expect(outcome.status !== 'waiting', 'settles-once', () => 'the validating acquire never settled');
    if (outcome.status === 'granted') {
      expect(!grantedAfterClose, 'settles-once', () => 'granted after close() began');
      outcome.lease?.release();
    } else {
      expect(outcome.code === 'POOL_CLOSED', 'settles-once', () => `refused with ${outcome.code}`);
    }
    await race.finish();
  });
}

/**
 * A connection failure racing the handoff: the holder's statement dies (fatal) and the holder
 * releases, in either order, while another caller waits. The waiter is served, never with a
 * connection already known broken, and the broken one is closed.
 */
export function failureRacingHandoff(poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const race = raceOn('memory', s, { max: 2, poolClass });
    const first = await holdOne(race);
    const waiter = race.track(race.pool.acquire());
    let brokenBeforeRelease = false;
    first.run(FATAL_SQL).catch(() => (brokenBeforeRelease = !first.released));
    race.later('release', () => first.release());
    await race.settle();
    expect(waiter.status === 'granted', 'lease-lost', () => `waiter ${waiter.status} ${waiter.code}`);
    if (brokenBeforeRelease)
      expect(
        waiter.lease?.entry !== first.entry,
        'exclusive',
        () => 'a known broken connection was handed on',
      );
    waiter.lease?.release();
    await race.finish();
  });
}

/** A factory that always fails: every acquire rejects CONNECTION_FAILED, and opens do not spin. */
export function factoryAlwaysFails(poolClass?: PoolClass) {
  const modes = fc.array(fc.constantFrom<LeaseMode>('read', 'write'), { minLength: 1, maxLength: 6 });
  return fc.asyncProperty(fc.scheduler(), modes, async (s, wanted) => {
    const race = raceOn('memory', s, { max: 3, poolClass });
    if (race.memory) race.memory.faults.alwaysFail = true;
    const outcomes = wanted.map((mode) => race.track(race.pool.acquire({ mode })));
    // Bounded: a pool that retries a dead factory forever would keep scheduling opens.
    for (let i = 0; i < 200 && s.count() > 0; i++) await s.waitNext(1);
    expect(s.count() === 0, 'no-spin', () => `still opening after 200 steps: ${race.log.openAttempts} opens`);
    await race.settle();
    for (const o of outcomes)
      expect(o.code === 'CONNECTION_FAILED', 'settles-once', () => `acquire ${o.status} ${o.code}`);
    expect(race.log.openAttempts <= wanted.length, 'no-spin', () => `${race.log.openAttempts} opens`);
    await race.finish();
  });
}

/**
 * Close during an open transaction: the holder has BEGIN behind it and then INSERTs and COMMITs,
 * racing close() and its closeTimeoutMs. Whatever the order, the transaction is all or nothing:
 * its row is committed exactly when its COMMIT was acknowledged.
 */
export function closeDuringTransaction(poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const closeTimeoutMs = 5;
    const race = raceOn('memory', s, { max: 2, poolClass, closeTimeoutMs });
    const holder = await holdOne(race, 'write');
    const begun = holder.exec('BEGIN IMMEDIATE');
    await race.settle();
    await begun;
    let acknowledged = 0;
    race.later('insert', () => {
      const work = Promise.resolve()
        .then(() => holder.run('INSERT INTO t VALUES (1)'))
        .then(() => holder.exec('COMMIT'))
        .then(() => (acknowledged = 1));
      void work.catch(() => undefined).then(() => !holder.released && holder.release());
    });
    race.later('close', () => void race.pool.close());
    race.later('deadline', () => race.clock.advance(closeTimeoutMs));
    await race.settle();
    const committed = race.log.committed;
    expect(
      committed === acknowledged,
      'all-or-nothing',
      () => `${committed} row(s) committed, ${acknowledged} acknowledged`,
    );
    await race.finish();
  });
}

/**
 * Release without awaiting (worker threads' stale `inTransaction`): a careless holder sends BEGIN
 * and an INSERT and releases at once; the next holder writes in autocommit. Every write the pool
 * acknowledged to the second holder is committed; the careless transaction never is.
 */
export function releaseWithoutAwait(poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const race = raceOn('memory', s, { max: 2, poolClass, answerLater: true });
    const careless = await holdOne(race, 'write');
    void careless.exec('BEGIN IMMEDIATE').catch(() => undefined);
    void careless.run('INSERT INTO t VALUES (1)').catch(() => undefined);
    careless.release();
    let acknowledged = 0;
    void race.pool
      .write((db) => db.run('INSERT INTO t VALUES (2)'))
      .then(() => acknowledged++)
      .catch(() => undefined);
    await race.settle();
    const committed = race.log.committed;
    expect(
      committed === acknowledged && acknowledged === 1,
      'acknowledged-kept',
      () => `${acknowledged} write(s) acknowledged, ${committed} committed`,
    );
    await race.finish();
  });
}

/**
 * A statement not awaited inside a transaction fails while the callback resolves (issue 29): the
 * answers come back in any order. The transaction never commits past the failure: no row of it is
 * committed, and it rejects. (The race looks at the statements through Promise.prototype.then, as
 * the pool does, which keeps the broken variant's rejections from ending the run, and is not
 * counted as the holder awaiting them.)
 */
export function unawaitedFailureInTransaction(poolClass?: PoolClass) {
  return fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, failFirst) => {
    const race = raceOn('memory', s, { max: 2, poolClass, answerLater: true });
    const quiet = (p: Promise<unknown>) => void Promise.prototype.then.call(p, undefined, () => undefined);
    let outcome = 'pending';
    void race.pool
      .transaction((tx) => {
        const sql = ['INSERT INTO t VALUES (1)', FAILING_SQL];
        for (const statement of failFirst ? sql.reverse() : sql) quiet(tx.run(statement));
      })
      .then(
        () => (outcome = 'committed'),
        () => (outcome = 'rejected'),
      );
    await race.settle();
    const committed = race.log.committed;
    expect(
      committed === 0 && outcome === 'rejected',
      'all-or-nothing',
      () => `the transaction ${outcome} with ${committed} row(s) committed past a failed statement`,
    );
    await race.finish();
  });
}

/**
 * Loops of awaited acquires, of reads whose callback returns at once, or of writes (two loops at
 * least, so that the write connection passes from writer to writer by hand-off), on a driver that
 * answers at once (issue 29): everything they settle is a microtask (a read on a free reader never
 * waits for a lease at all), so without the event-loop budget a macrotask queued when they start
 * runs only once every loop has ended. With it, the macrotask runs while they go on, within a
 * bounded number of rounds. Counted in rounds, not in ms.
 */
export function readLoopsLetTheEventLoopTurn(
  poolClass: PoolClass = realPool,
  vias: readonly ('acquire' | 'read' | 'write')[] = ['acquire', 'read', 'write'],
) {
  const LIMIT = 100_000;
  return fc.asyncProperty(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 3 }),
    fc.constantFrom(...vias),
    async (atLeast, budget, via) => {
      const loops = via === 'write' ? atLeast + 1 : atLeast;
      const pool = poolClass({ driver: memoryDriver(), max: loops + 1, eventLoopBudgetMs: budget });
      let turned = false;
      let rounds = 0;
      await pool.read(() => undefined);
      setImmediate(() => (turned = true));
      await Promise.all(
        Array.from({ length: loops }, async () => {
          while (!turned && rounds < LIMIT) {
            if (via === 'read') await pool.read(() => rounds);
            else if (via === 'write') await pool.write(() => rounds);
            else (await pool.acquire()).release();
            rounds++;
          }
        }),
      );
      await pool.close();
      expect(
        turned && rounds < LIMIT,
        'event-loop-turns',
        () => `no macrotask ran in ${rounds} rounds of ${via}`,
      );
    },
  );
}

/**
 * Loops of synchronous reads, `loops` at once, for `turns` turns of the event loop with a budget
 * of a few ms: the budget is spent and a turn is due many times. A read that arrives then waits
 * for the turn holding no reader, so the one reader stays free for the next read and no read ever
 * waits in the queue. (When a reader was lent and resolved after the turn, the reads behind it
 * queued, and the line, once formed, took every later read: issue 25.)
 */
export function readsWaitingForATurnHoldNoReader(poolClass: PoolClass = realPool) {
  const LIMIT = 200_000;
  return fc.asyncProperty(
    fc.integer({ min: 2, max: 8 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    async (loops, budget, turns) => {
      const pool = poolClass({ driver: memoryDriver(), max: loops + 1, eventLoopBudgetMs: budget });
      await pool.read(() => undefined); // the one reader, open and free
      let turned = 0;
      // Reads waiting for a turn, as stats() counts them at each turn: never more than the loops.
      let parked = 0;
      const count = (): void => {
        parked = Math.max(parked, pool.stats().waitingForTurn);
        if (++turned < turns) setImmediate(count);
      };
      setImmediate(count);
      let rounds = 0;
      let queued = 0;
      await Promise.all(
        Array.from({ length: loops }, async () => {
          while (turned < turns && rounds < LIMIT) {
            await pool.read(() => rounds);
            rounds++;
            queued = Math.max(queued, pool.stats().waiting);
          }
        }),
      );
      const { created, waitingForTurn } = pool.stats();
      await pool.close();
      expect(
        queued === 0 && created === 1 && parked <= loops && waitingForTurn === 0,
        'reads-hold-no-reader-across-a-turn',
        () =>
          `${queued} reads queued at once, ${created} connections opened in ${rounds} reads, ` +
          `${parked} counted waiting for a turn at most, ${waitingForTurn} at the end`,
      );
    },
  );
}
