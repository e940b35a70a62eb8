import test from 'ava';
import { spawnSync } from 'node:child_process';
import { interval, take, toArray, firstValueFrom } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, isPoolError, type Lease, type Pool } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { promiseState, tempDir } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';
import { keepAlive, unrefScheduler } from './unref-scheduler.js';

const runChild = (code: string) =>
  spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {
    cwd: new URL('../..', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: 60_000,
  });

test('runs scheduled work after its delay, and rescheduled work as an interval', async (t) => {
  // Unref'd timers alone would let this test process exit before they fire.
  const release = keepAlive();
  t.teardown(release);
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    unrefScheduler.schedule(() => order.push('late'), 20);
    unrefScheduler.schedule(() => {
      order.push('early');
    }, 1);
    unrefScheduler.schedule(() => resolve(), 40);
  });
  t.deepEqual(order, ['early', 'late']);
  t.deepEqual(await firstValueFrom(interval(1, unrefScheduler).pipe(take(3), toArray())), [0, 1, 2]);
});

test('an unsubscribed action never runs', async (t) => {
  const release = keepAlive();
  t.teardown(release);
  let ran = false;
  unrefScheduler.schedule(() => (ran = true), 5).unsubscribe();
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.false(ran);
});

test('a pending timer does not hold the process; keepAlive does until released', (t) => {
  const url = new URL('./unref-scheduler.ts', import.meta.url).href;
  const free = runChild(
    `import { unrefScheduler } from '${url}'; unrefScheduler.schedule(() => console.log('fired'), 600000); console.log('end');`,
  );
  t.is(free.status, 0, free.stderr);
  t.is(free.stdout.trim(), 'end');
  const held = runChild(
    `import { keepAlive, unrefScheduler } from '${url}'; const release = keepAlive();` +
      ` unrefScheduler.schedule(() => { console.log('fired'); release(); }, 50);`,
  );
  t.is(held.status, 0, held.stderr);
  t.is(held.stdout.trim(), 'fired');
});

test('holds taken and released in turn share one handle, and the last release lets the process exit', (t) => {
  // Every waiter of a busy pool takes a hold: a timer made and cleared each time cost a tenth of a
  // point read. setInterval is counted by wrapping it in the child; nothing is faked.
  const url = new URL('./unref-scheduler.ts', import.meta.url).href;
  const child = runChild(
    `const real = globalThis.setInterval; let made = 0;` +
      ` globalThis.setInterval = (...a) => { made++; return real(...a); };` +
      ` const { keepAlive } = await import('${url}');` +
      ` for (let i = 0; i < 1000; i++) keepAlive()();` +
      ` const release = keepAlive(); setTimeout(() => { release(); console.log(made); }, 10);`,
  );
  t.is(child.status, 0, child.stderr);
  t.is(child.stdout.trim(), '1');
});

// Deadlines run on a monotonic clock: the wall clock set forward or back (NTP, a user, a VM
// resumed) neither cuts nor stretches an acquire timeout. Setting the system clock needs root, so
// the jump is made by replacing Date.now: the one fault in these tests that is not made for real.

/** Replaces Date.now with the real time shifted by `ms` until the returned function is called. */
function jumpWallClock(ms: number): () => void {
  const real = Date.now;
  Date.now = () => real() + ms;
  return () => {
    Date.now = real;
  };
}

const HOUR = 3_600_000;

/** A pool on a file of its own (or on `pg`), its write lease held, so write acquires wait. */
async function heldWriter(make: () => Pool): Promise<{ pool: Pool; holder: Lease }> {
  const pool = make();
  const holder = await pool.acquire({ mode: 'write' });
  return { pool, holder };
}

function deadlineTests(label: string, make: () => Pool): void {
  test.serial(
    `${label}: the wall clock set an hour forward does not cut a waiting acquire's timeout`,
    async (t) => {
      const { pool, holder } = await heldWriter(make);
      const short = pool.acquire({ mode: 'write', timeoutMs: 30 }).catch((e: unknown) => e);
      const long = pool.acquire({ mode: 'write', timeoutMs: 60_000 });
      const restore = jumpWallClock(HOUR);
      t.teardown(restore);
      // The short waiter's deadline runs the sweep that sees the long one.
      t.true(isPoolError(await short, 'ACQUIRE_TIMEOUT'));
      restore();
      t.is(await promiseState(long), 'pending');
      holder.release();
      (await long).release();
      await pool.close();
    },
  );

  test.serial(
    `${label}: the wall clock set an hour back does not stretch a waiting acquire's timeout`,
    async (t) => {
      const { pool, holder } = await heldWriter(make);
      const waiter = pool.acquire({ mode: 'write', timeoutMs: 30 }).catch((e: unknown) => e);
      const restore = jumpWallClock(-HOUR);
      t.teardown(restore);
      // Node runs timers in order of their due time: the pool's 30 ms deadline before this 300 ms one.
      await sleep(300);
      restore();
      t.is(await promiseState(waiter), 'fulfilled');
      t.true(isPoolError(await waiter, 'ACQUIRE_TIMEOUT'));
      holder.release();
      await pool.close();
    },
  );
}

for (const threads of [false, true, 'all'] as const) {
  deadlineTests(`threads: ${threads}`, () => {
    const tmp = tempDir();
    const pool = createPool({ filename: tmp.file(), threads });
    void pool.events$.subscribe({ complete: () => tmp.cleanup() });
    return pool;
  });
}

withPostgres((server) => {
  deadlineTests('PostgreSQL', () =>
    createPool({ driver: postgresDriver({ connectionString: server().url }), max: 1 }),
  );
});
