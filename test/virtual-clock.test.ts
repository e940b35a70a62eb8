import test from 'ava';
import { interval } from 'rxjs';
import { virtualClock } from './virtual-clock.js';
test('stops at every due timer and lands on the target time', async (t) => {
  const c = virtualClock();
  const seen: number[] = [];
  const sub = interval(1000, c.scheduler).subscribe(() => seen.push(c.scheduler.now()));
  await c.advance(3500);
  t.deepEqual(seen, [1000, 2000, 3000]);
  t.is(c.scheduler.now(), 3500);
  await c.advance(500);
  t.deepEqual(seen, [1000, 2000, 3000, 4000]);
  sub.unsubscribe();
  t.is(c.scheduler.actions.length, 0);
});
