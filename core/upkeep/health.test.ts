import test from 'ava';
import { lifetimeWithJitter } from './health.js';

test('a lifetime is jittered to at most 10% shorter, and 0 stays forever', (t) => {
  t.is(
    lifetimeWithJitter(1000, () => 0),
    1000,
  );
  t.is(
    lifetimeWithJitter(1000, () => 1),
    900,
  );
  t.is(
    lifetimeWithJitter(1000, () => 0.5),
    950,
  );
  t.is(lifetimeWithJitter(0), 0);
});
