import test from 'ava';
import { createPool, PoolError, sqliteDriver } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { nearest } from './nearest.js';

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

test('crossProcessLane takes true or false, and only with filename (a driver takes its own lane option)', async (t) => {
  const err = t.throws(() => createPool({ filename: 'never-opened.db', crossProcessLane: 'yes' as never }));
  t.regex(String(err), /"crossProcessLane" must be true or false/);
  const tmp = tempDir();
  const driver = sqliteDriver({ filename: tmp.file(), lane: false });
  t.regex(String(t.throws(() => createPool({ driver, crossProcessLane: false }))), /lane: false/);
  await driver.dispose?.();
  tmp.cleanup();
});
