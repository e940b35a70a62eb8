import test from 'ava';
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, PoolError, type Lease } from '../../index.js';
import { tempDir, tick } from '../../test/helpers.js';
import { virtualClock } from '../../test/virtual-clock.js';
import { PoolMetrics } from './metrics.js';
import { emptyCounters } from './stats.js';

/** Acquires, and measures the wait from outside the pool: an upper bound of what the pool records. */
async function timedAcquire(acquire: () => Promise<Lease>, waits: number[]): Promise<Lease> {
  const start = performance.now();
  const lease = await acquire();
  waits.push(performance.now() - start);
  return lease;
}

test('stats match a scripted run: exact counts, and histograms holding the recorded waits', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 3 });
  const waits: number[] = [];
  const write = () => pool.acquire({ mode: 'write' });
  const first = await timedAcquire(write, waits); // 1: opens the writer
  await first.exec('CREATE TABLE t (x)');
  first.release();
  const holder = await timedAcquire(write, waits); // 2
  const waiter = timedAcquire(write, waits); // 3: waits at least 20 ms behind the holder
  // A Node timer counts from the event loop's cached time and may fire several ms early by
  // performance.now(), the pool's clock: hold until that clock says 25 ms have passed.
  const asked = performance.now();
  while (performance.now() - asked < 25) await sleep(2);
  holder.release();
  (await waiter).release();
  for (let i = 0; i < 3; i++) (await timedAcquire(write, waits)).release(); // 4-6: immediate
  const blocker = await timedAcquire(write, waits); // 7
  const timeout = await t.throwsAsync(pool.acquire({ mode: 'write', timeoutMs: 5 }));
  t.is((timeout as PoolError).code, 'ACQUIRE_TIMEOUT');
  blocker.release();
  // better-sqlite3's SqliteError fails AVA's instanceof Error check across module realms.
  const writer = await timedAcquire(write, waits); // 8
  await t.throwsAsync(writer.run('INSERT INTO nope VALUES (1)'), { any: true });
  writer.release();
  const reader = await timedAcquire(() => pool.acquire(), waits); // 9: opens a reader
  const readOnly = await t.throwsAsync(reader.run('INSERT INTO t VALUES (1)'));
  reader.release();
  t.is((readOnly as PoolError).code, 'READ_ONLY_LEASE');

  const s = pool.stats();
  t.is(s.acquired, 9);
  t.is(s.released, 9);
  t.is(s.timeouts, 1);
  t.deepEqual(s.errors, { ACQUIRE_TIMEOUT: 1, SQLITE_ERROR: 1, READ_ONLY_LEASE: 1 });
  t.is(s.acquireWait.count, 9, 'every grant is recorded, immediate ones too');
  t.is(s.leaseHold.count, 9);
  // HDR histograms keep 2 significant figures: a recorded value reads back within 1%.
  t.true(s.acquireWait.maxMs >= 20, `the 20 ms wait is in the histogram (max ${s.acquireWait.maxMs})`);
  t.true(s.acquireWait.maxMs <= Math.max(...waits, 0) * 1.01 + 0.001, 'no wait longer than any caller saw');
  t.true(s.leaseHold.maxMs >= 20, 'the holder held at least 20 ms');
  t.true(s.acquireWait.minMs < 0.001, 'immediate grants are recorded as (nearly) zero');
  t.is(s.window.acquired, 9);
  t.is(s.window.errors, 2, 'the timeout and the read-only write; the SQL error is the caller’s');
  t.is(s.window.errorRate, 2 / 11);
  t.is(s.window.acquireWait.count, 9);
  t.deepEqual(s.connections, { opening: 0, idle: 2, leasedRead: 0, leasedWrite: 0, failed: 0 });
  await pool.close();
  tmp.cleanup();
});

test('the window forgets what is older than statsWindowMs; the totals do not', async (t) => {
  const tmp = tempDir();
  const clock = virtualClock();
  const pool = createPool({ filename: tmp.file(), scheduler: clock.scheduler, statsWindowMs: 6000 });
  for (let i = 0; i < 4; i++) await pool.read((db) => db.get('SELECT 1'));
  await t.throwsAsync(pool.acquire({ mode: 'write', timeoutMs: 0, signal: AbortSignal.abort() }));
  t.is(pool.stats().window.acquired, 4);
  await clock.advance(3000);
  await pool.read((db) => db.get('SELECT 1'));
  let s = pool.stats();
  t.is(s.window.acquired, 5);
  t.is(s.uptimeMs, 3000);
  await clock.advance(4000);
  s = pool.stats();
  t.is(s.window.acquired, 1, 'the first four left the window');
  t.true(s.window.ms >= 5000 && s.window.ms <= 6000);
  t.is(s.window.acquireWait.count, 1);
  t.is(s.acquired, 5);
  t.is(s.acquireWait.count, 5, 'the total still holds every wait');
  t.is(s.errors.ABORTED, 1);
  t.is(s.window.errors, 0, 'an abort is the caller’s choice, not a pool error');
  await clock.advance(60_000);
  s = pool.stats();
  t.is(s.window.acquired, 0);
  t.is(s.acquireWait.count, 5);
  const closing = pool.close();
  await clock.advance(10);
  await closing;
  tmp.cleanup();
});

test('stats$ emits snapshots at statsIntervalMs on the pool clock, shared, with no timer when unobserved', async (t) => {
  const tmp = tempDir();
  const clock = virtualClock();
  const pool = createPool({ filename: tmp.file(), scheduler: clock.scheduler, statsIntervalMs: 1000 });
  await pool.read((db) => db.get('SELECT 1'));
  await clock.advance(10);
  const idle = clock.scheduler.actions.length;
  const a: number[] = [];
  const b: number[] = [];
  const subA = pool.stats$.subscribe((s) => a.push(s.at));
  const subB = pool.stats$.subscribe((s) => b.push(s.acquired));
  t.is(clock.scheduler.actions.length, idle + 1, 'two subscribers share one timer');
  await clock.advance(3000);
  t.deepEqual(a, [1010, 2010, 3010]);
  t.deepEqual(b, [1, 1, 1]);
  // Other timers of the pool (idle trim, file guard) come and go meanwhile: count around the unsubscribe.
  const live = () => clock.scheduler.actions.filter((a) => !a.closed).length;
  const before = live();
  subA.unsubscribe();
  t.is(live(), before, 'one subscriber left keeps the timer');
  subB.unsubscribe();
  t.is(live(), before - 1, 'the timer is gone with the last subscriber');
  let completed = false;
  pool.stats$.subscribe({ complete: () => (completed = true) });
  const closing = pool.close();
  await clock.advance(10);
  await closing;
  t.true(completed, 'stats$ completes when the pool has closed');
  tmp.cleanup();
});

test('counts leaks and resizes from lifecycle events, and statement errors by code', (t) => {
  const m = new PoolMetrics(emptyCounters(), 60_000, 0);
  m.event({ type: 'lease.leaked', mode: 'read', heldMs: 30_000, stack: undefined, at: 1 });
  m.event({ type: 'pool.resized', min: 0, max: 10, reason: 'load', at: 2 });
  m.event({ type: 'pool.closed', at: 3 });
  m.raised(new PoolError('SQLITE_BUSY'));
  m.raised(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }));
  m.raised('not an error');
  t.is(m.leaks, 1);
  t.is(m.resizes, 1);
  t.deepEqual(m.errorsByCode(), { SQLITE_BUSY: 1, SQLITE_CONSTRAINT_UNIQUE: 1, UNKNOWN: 1 });
  t.is(m.poolErrors(), 1);
  t.is(m.window(10).leaks, 1);
});

test('a broken connection counts as failed until its holder releases it', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file() });
  const lease = await pool.acquire({ mode: 'write' });
  // A real fatal error cannot be forced on a healthy file; flag it the way onError does.
  (lease.entry as unknown as { broken: Error }).broken = new Error('disk I/O error');
  t.is(pool.stats().connections.failed, 1);
  lease.release();
  await tick();
  t.is(pool.stats().connections.failed, 0);
  await pool.close();
  tmp.cleanup();
});

test('property: the window holds exactly the grants since its oldest slot opened, and every grant has its wait', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 6, max: 10_000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.nat({ max: 3 })), { maxLength: 60 }),
      (windowMs, steps) => {
        const counters = emptyCounters();
        const m = new PoolMetrics(counters, windowMs, 0);
        const grants: number[] = [];
        let now = 0;
        for (const [advance, burst] of steps) {
          now += advance;
          for (let i = 0; i < burst; i++) {
            m.waited(1 + i, now); // as the pool does: record the wait, then count the grant
            counters.acquired++;
            grants.push(now);
          }
          const w = m.window(now);
          const since = now - w.ms;
          if (w.acquired !== grants.filter((g) => g >= since).length) return false;
          if (w.acquireWait.count !== w.acquired) return false;
          if (w.ms > 6 * Math.ceil(windowMs / 6)) return false;
          if (m.acquireWait(now).count !== counters.acquired) return false;
        }
        return true;
      },
    ),
  );
  t.pass();
});

test('property: immediate grants count as 1 ns waits, exactly as if each one were recorded, in the totals and the window', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 6, max: 10_000 }),
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.nat({ max: 3000 }), fc.nat({ max: 3 }), fc.boolean()),
        { maxLength: 30 },
      ),
      (windowMs, steps) => {
        // `fast` takes waitedNone for a 0 ns wait; `slow` records each one as waited(1) always did.
        const fast = new PoolMetrics(emptyCounters(), windowMs, 0);
        const slow = new PoolMetrics(emptyCounters(), windowMs, 0);
        const heard: number[] = [];
        fast.listen((kind, seconds) => kind === 'wait' && heard.push(seconds));
        let now = 0;
        let immediate = 0;
        for (const [advance, none, timed, read] of steps) {
          now += advance;
          for (let i = 0; i < none; i++) {
            fast.waitedNone(now);
            slow.waited(1, now);
          }
          immediate += none;
          for (let i = 0; i < timed; i++) {
            fast.waited(1000 * (i + 1), now);
            slow.waited(1000 * (i + 1), now);
          }
          if (!read) continue;
          if (JSON.stringify(fast.window(now)) !== JSON.stringify(slow.window(now))) return false;
          if (JSON.stringify(fast.acquireWait(now)) !== JSON.stringify(slow.acquireWait(now))) return false;
        }
        if (heard.filter((s) => s === 1e-9).length !== immediate) return false;
        return JSON.stringify(fast.stats(now)) === JSON.stringify(slow.stats(now));
      },
    ),
  );
  t.pass();
});

test('a pool records each immediate grant in the acquire-wait count, at the 1 ns floor', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 2 });
  for (let i = 0; i < 1000; i++) (await pool.acquire()).release();
  for (let i = 0; i < 500; i++) await pool.read((db) => db.get('SELECT 1'));
  const wait = pool.stats().acquireWait;
  // The first acquire opened the connection and waited for it: the rest were immediate.
  t.is(wait.count, 1500);
  t.is(wait.p50Ms, 1e-6);
  await pool.close();
  tmp.cleanup();
});
