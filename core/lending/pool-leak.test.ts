import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VirtualTimeScheduler } from 'rxjs';
import { createPool, type PoolLifecycleEvent } from '../../index.js';
import { tempDir, tick } from '../../test/helpers.js';

function setup(leakDetectionThresholdMs: number | undefined) {
  const tmp = tempDir();
  const scheduler = new VirtualTimeScheduler();
  const pool = createPool({
    filename: tmp.file(),
    scheduler,
    idleTimeoutMs: 0,
    ...(leakDetectionThresholdMs === undefined ? {} : { leakDetectionThresholdMs }),
  });
  const leaks: Extract<PoolLifecycleEvent, { type: 'lease.leaked' }>[] = [];
  pool.events$.subscribe((e) => {
    if (e.type === 'lease.leaked') leaks.push(e);
  });
  const advance = (ms: number): void => {
    const until = scheduler.now() + ms;
    scheduler.maxFrames = until;
    scheduler.flush();
    scheduler.frame = until;
  };
  return {
    pool,
    leaks,
    advance,
    async done() {
      const closing = pool.close();
      advance(1e9);
      await closing;
      tmp.cleanup();
    },
  };
}

/** The line of the caller, as its stack reports it. */
function lineHere(): number {
  const frame = new Error().stack?.split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}

test('a lease held past the threshold emits one leak event whose stack points at the acquire', async (t) => {
  const s = setup(5_000);
  const line = lineHere() + 1;
  const lease = await s.pool.acquire({ mode: 'write' });
  s.advance(4_999);
  t.is(s.leaks.length, 0);
  s.advance(10_000);
  t.is(s.leaks.length, 1);
  const [leak] = s.leaks;
  t.like(leak, { mode: 'write', heldMs: 5_000 });
  t.regex(leak?.stack ?? '', new RegExp(`pool-leak\\.test\\.ts:${line}:`));
  // Reported, not reclaimed: the holder still has a working connection.
  t.deepEqual(await lease.get('SELECT 1 AS one'), { one: 1 });
  t.is(s.pool.stats().leased, 1);
  s.advance(60_000);
  t.is(s.leaks.length, 1, 'one event per leak, not one per check');
  lease.release();
  await s.done();
});

test('a lease released in time is never reported, and detection off reports nothing', async (t) => {
  const s = setup(5_000);
  await s.pool.read(async (db) => {
    await db.get('SELECT 1');
    s.advance(4_000);
  });
  s.advance(60_000);
  t.is(s.leaks.length, 0);
  await s.done();
  const off = setup(0);
  const lease = await off.pool.acquire();
  off.advance(1e6);
  t.is(off.leaks.length, 0);
  lease.release();
  await off.done();
});

test('a lease garbage-collected without release is reclaimed and reported (child with --expose-gc)', async (t) => {
  const tmp = tempDir();
  const fixture = fileURLToPath(new URL('../../test/fixtures/leak-gc.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fixture, tmp.file()],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  );
  const out = JSON.parse(stdout) as { leaked: { reclaimed: boolean; stack: string }[]; reacquired: boolean };
  t.is(out.leaked.length, 1);
  t.true(out.leaked[0]?.reclaimed);
  t.regex(out.leaked[0]?.stack ?? '', /leak-gc\.ts/);
  t.true(out.reacquired);
  tmp.cleanup();
});

test('a lease that needed a second try after failed validation is tracked once', async (t) => {
  const s = setup(5_000);
  const first = await s.pool.acquire();
  (first.raw as { close(): void }).close();
  first.release();
  s.advance(40_000);
  const lease = await s.pool.acquire();
  t.deepEqual(await lease.get('SELECT 1 AS one'), { one: 1 });
  s.advance(60_000);
  t.is(s.leaks.length, 1);
  lease.release();
  await s.done();
});

test('by default a lease held past 60 s is reported once without a stack, and the next with its acquire', async (t) => {
  const s = setup(undefined);
  const first = await s.pool.acquire({ mode: 'write' });
  s.advance(59_000);
  t.is(s.leaks.length, 0);
  s.advance(31_000);
  t.is(s.leaks.length, 1, 'seen by the default watch, which costs acquire nothing');
  t.like(s.leaks[0], { mode: 'write', stack: undefined, reclaimed: false });
  s.advance(600_000);
  t.is(s.leaks.length, 1, 'one report per lease');
  first.release();
  // From the first leak on, the pool records where leases are acquired.
  const line = lineHere() + 1;
  const second = await s.pool.acquire();
  // The write lease's release wakes the WAL watch, whose own brief write must run its promise
  // callbacks before virtual time leaps a minute ahead.
  s.advance(1_000);
  await tick();
  s.advance(60_000);
  t.is(s.leaks.length, 2);
  t.like(s.leaks[1], { mode: 'read', heldMs: 60_000 });
  t.regex(s.leaks[1]?.stack ?? '', new RegExp(`pool-leak\\.test\\.ts:${line}:`));
  second.release();
  await s.done();
});

test('close() says at its start which leases it waits for and where they were acquired', async (t) => {
  const s = setup(5_000);
  const closing: Extract<PoolLifecycleEvent, { type: 'pool.closing' }>[] = [];
  s.pool.events$.subscribe((e) => {
    if (e.type === 'pool.closing') closing.push(e);
  });
  const line = lineHere() + 1;
  const held = await s.pool.acquire({ mode: 'write' });
  s.advance(1_000);
  const done = s.pool.close();
  t.is(closing.length, 1);
  t.is(closing[0]?.waitingFor.length, 1);
  t.like(closing[0]?.waitingFor[0], { mode: 'write', heldMs: 1_000 });
  t.regex(closing[0]?.waitingFor[0]?.stack ?? '', new RegExp(`pool-leak\\.test\\.ts:${line}:`));
  held.release();
  s.advance(1);
  await done;
});
