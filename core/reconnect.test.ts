import test from 'ava';
import { ReconnectBackoff } from './reconnect.js';

test('doubles the wait after each failed open, up to the cap', (t) => {
  const b = new ReconnectBackoff(100, 1000, () => 0.5);
  t.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => b.delay(n)),
    [100, 200, 400, 800, 1000, 1000],
  );
  t.is(b.delay(0), 0);
});

test('jitters each wait by at most a quarter either way', (t) => {
  t.is(new ReconnectBackoff(100, 1000, () => 0).delay(2), 150);
  t.is(new ReconnectBackoff(100, 1000, () => 1).delay(2), 250);
});

test('blocks opens until the wait passes and resets on success', (t) => {
  const b = new ReconnectBackoff(100, 1000, () => 0.5);
  t.false(b.blocked(0));
  b.failed(0);
  t.true(b.blocked(99));
  t.false(b.blocked(100));
  b.failed(100);
  t.true(b.blocked(299));
  b.succeeded();
  t.false(b.blocked(101));
});
