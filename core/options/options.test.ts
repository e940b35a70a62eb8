import test from 'ava';
import { createPool, PoolError } from '../../index.js';
import { nearest } from './options.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PoolError ? err.code : undefined;
  }
  return undefined;
}

test('rejects an unknown option and names the nearest valid one', (t) => {
  const err = t.throws<PoolError>(() => createPool({ filename: 'x.db', maxWaitng: 3 } as never));
  t.is(err.code, 'INVALID_OPTION');
  t.regex(err.message, /unknown option "maxWaitng"; did you mean "maxWaiting"\?/);
});

test('suggests by prefix and by edit distance, ignoring case', (t) => {
  const known = ['acquireTimeoutMs', 'maxWaiting', 'max', 'min'];
  t.is(nearest('acquireTimeout', known), 'acquireTimeoutMs');
  t.is(nearest('MAXWAITING', known), 'maxWaiting');
  t.is(nearest('mn', known), 'min');
});

test('rejects out-of-range numbers and contradictory bounds synchronously', (t) => {
  t.is(
    code(() => createPool({ filename: 'x.db', max: 0 })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({ filename: 'x.db', max: 1 })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({ filename: 'x.db', max: 4, min: 5 })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({ filename: 'x.db', acquireTimeoutMs: -1 })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({ filename: 'x.db', maxWaiting: 1.5 })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({ filename: '' })),
    'INVALID_OPTION',
  );
  t.is(
    code(() => createPool({})),
    'INVALID_OPTION',
  );
});
