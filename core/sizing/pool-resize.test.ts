import test from 'ava';
import { VirtualTimeScheduler } from 'rxjs';
import { createPool, PoolError, type Lease, type Pool, type PoolLifecycleEvent } from '../../index.js';
import { tempDir, tick } from '../../test/helpers.js';

/** A pool on a virtual clock, with its lifecycle events recorded. */
function setup(options: { max?: number; min?: number; idleTimeoutMs?: number } = {}) {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const pool = createPool({ filename: tmp.file(), scheduler, resizeCooldownMs: 1000, ...options });
  const events: PoolLifecycleEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  return {
    pool,
    events,
    /** Moves the virtual clock forward, running every timer due, then lets promises settle. */
    async advance(ms: number) {
      const until = scheduler.now() + ms;
      scheduler.maxFrames = until;
      scheduler.flush();
      // flush() leaves the clock at the last timer it ran; the time in between passed too.
      scheduler.frame = until;
      await tick();
    },
    count: (type: PoolLifecycleEvent['type']) => events.filter((e) => e.type === type).length,
    async done() {
      const closing = pool.close();
      scheduler.maxFrames = Infinity;
      scheduler.flush();
      await closing;
      tmp.cleanup();
    },
  };
}

async function hold(pool: Pool, n: number): Promise<Lease[]> {
  return Promise.all(Array.from({ length: n }, () => pool.acquire()));
}

test('grows readers under queued load and reports it as pool.resized', async (t) => {
  const s = setup({ max: 8 });
  const leases = await hold(s.pool, 5);
  t.is(s.pool.stats().total, 5);
  const grown = s.events.filter((e) => e.type === 'pool.resized');
  t.true(grown.length >= 1);
  t.regex(grown[0]?.type === 'pool.resized' ? grown[0].reason : '', /^queued load: \d+ waiting/);
  for (const lease of leases) lease.release();
  await s.done();
});

test('shrinks to min after the readers have been idle for idleTimeoutMs', async (t) => {
  const s = setup({ max: 8, min: 1, idleTimeoutMs: 10_000 });
  for (const lease of await hold(s.pool, 5)) lease.release();
  await s.advance(9_000);
  t.is(s.pool.stats().total, 5, 'nothing closes before the idle period');
  await s.advance(2_000);
  t.is(s.pool.stats().total, 1);
  t.is(s.count('connection.closed'), 4);
  const trim = s.events.find((e) => e.type === 'pool.resized' && e.reason.startsWith('idle'));
  t.truthy(trim);
  await s.done();
});

test('a sawtooth load shorter than idleTimeoutMs opens its connections once and never thrashes', async (t) => {
  const s = setup({ max: 8, idleTimeoutMs: 10_000 });
  for (let period = 0; period < 30; period++) {
    const leases = await hold(s.pool, 4);
    await s.advance(100);
    for (const lease of leases) lease.release();
    await s.advance(2_900);
  }
  t.is(s.count('connection.opened'), 4);
  t.is(s.count('connection.closed'), 0);
  // The load stops: after the idle period the readers go.
  await s.advance(12_000);
  t.is(s.count('connection.closed'), 4);
  t.is(s.pool.stats().total, 0);
  await s.done();
});

test('resize below the leased count retires connections as they come back, never from a holder', async (t) => {
  const s = setup({ max: 8, idleTimeoutMs: 0 });
  const leases = await hold(s.pool, 4);
  s.pool.resize(2);
  t.like(s.events.at(-1), { type: 'pool.resized', min: 0, max: 2, reason: 'manual' });
  t.is(s.pool.stats().total, 4, 'every holder keeps its connection');
  for (const lease of leases) t.deepEqual(await lease.get('SELECT 1 AS one'), { one: 1 });
  for (const lease of leases) lease.release();
  await tick();
  // max 2 on SQLite is one writer and one reader.
  t.is(s.pool.stats().total, 1);
  t.is(s.count('connection.closed'), 3);
  t.is(s.pool.stats().max, 2);
  await s.done();
});

test('resize rejects impossible bounds synchronously and grows min at once', async (t) => {
  const s = setup({ max: 8, idleTimeoutMs: 0 });
  t.is(t.throws<PoolError>(() => s.pool.resize({ min: 5, max: 3 })).code, 'INVALID_OPTION');
  t.is(t.throws<PoolError>(() => s.pool.resize(1)).code, 'INVALID_OPTION');
  s.pool.resize({ min: 3 });
  await tick();
  await tick();
  t.is(s.pool.stats().total, 3);
  t.is(s.pool.stats().min, 3);
  await s.done();
});
