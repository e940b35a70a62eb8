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

test('a burst of failed opens within one wait counts as one step', (t) => {
  const b = new ReconnectBackoff(100, 30_000, () => 0.5);
  // A restart fails ten opens in flight within 10 ms: one step, the first wait.
  for (let now = 0; now < 10; now++) b.failed(now);
  t.is(b.failures, 1);
  t.is(b.retryAt, 100);
  t.is(b.lastFailedAt, 9);
  // The next round, tried after the wait, is the second step.
  b.failed(120);
  b.failed(125);
  t.is(b.failures, 2);
  t.is(b.retryAt, 320);
  b.succeeded();
  b.failed(400);
  t.is(b.failures, 1);
});
