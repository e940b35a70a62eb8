import test from 'ava';
import { spawnSync } from 'node:child_process';
import { interval, take, toArray, firstValueFrom } from 'rxjs';
import { keepAlive, unrefScheduler } from './unref-scheduler.js';

const runChild = (code: string) =>
  spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {
    cwd: new URL('..', import.meta.url).pathname,
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
