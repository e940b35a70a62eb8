import test from 'ava';
import {
  classifyPostgresError,
  isSerializationFailure,
  markLost,
  retrySerializationFailures,
} from './pg-errors.js';
import { isReadonlySql, postgresDriver } from './postgres.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('classifies killed sessions, connection exceptions and socket errors as fatal', (t) => {
  for (const code of ['57P01', '57P02', '57P03', '08006', '08003', 'ECONNRESET', 'EPIPE'])
    t.is(classifyPostgresError(withCode(code)), 'fatal', code);
  t.is(classifyPostgresError(new Error('Connection terminated unexpectedly')), 'fatal');
  t.is(classifyPostgresError(new Error('Client was closed and is not queryable')), 'fatal');
});

test('leaves serialization failures and ordinary errors to the caller', (t) => {
  for (const code of ['40001', '40P01', '23505', '42601'])
    t.is(classifyPostgresError(withCode(code)), 'statement');
  t.true(isSerializationFailure(withCode('40001')));
  t.true(isSerializationFailure(withCode('40P01')));
  t.false(isSerializationFailure(withCode('23505')));
  t.is(classifyPostgresError('not an error'), 'statement');
});

test('treats any error on a connection known to be lost as fatal', (t) => {
  const err = withCode('42601');
  markLost(err);
  t.is(classifyPostgresError(err), 'fatal');
});

test('retries only serialization failures, up to the attempt limit', async (t) => {
  let calls = 0;
  t.is(
    await retrySerializationFailures(async () => {
      if (++calls < 3) throw withCode('40001');
      return 'done';
    }),
    'done',
  );
  t.is(calls, 3);
  calls = 0;
  await t.throwsAsync(
    retrySerializationFailures(
      async () => {
        calls++;
        throw withCode('40P01');
      },
      { attempts: 2 },
    ),
  );
  t.is(calls, 2);
  calls = 0;
  await t.throwsAsync(
    retrySerializationFailures(async () => {
      calls++;
      throw withCode('23505');
    }),
  );
  t.is(calls, 1);
});

test('guesses read-only SQL from its prefix', (t) => {
  for (const sql of [
    'SELECT 1',
    '  -- c\n select * from xp',
    '(SELECT 1)',
    'WITH t AS (SELECT 1) SELECT * FROM t',
    'SHOW work_mem',
    'EXPLAIN SELECT 1',
    'VALUES (1)',
  ])
    t.true(isReadonlySql(sql), sql);
  for (const sql of [
    'INSERT INTO xp VALUES (1)',
    'UPDATE xp SET p = 1',
    'SELECT * INTO t2 FROM t',
    'SELECT * FROM t FOR UPDATE',
    'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
    'EXPLAIN ANALYZE DELETE FROM t',
    'BEGIN',
  ])
    t.false(isReadonlySql(sql), sql);
});

test('rejects an unknown isolation level at once, naming the valid ones', (t) => {
  const err = t.throws(() => postgresDriver({ isolationLevel: 'serialisable' as 'serializable' }));
  t.regex(
    err?.message ?? '',
    /INVALID_OPTION: .*read committed, repeatable read, serializable, got 'serialisable' \(string\)/,
  );
  t.is(postgresDriver({ isolationLevel: 'serializable' }).beginWrite, 'BEGIN ISOLATION LEVEL SERIALIZABLE');
  t.is(postgresDriver().beginWrite, 'BEGIN');
});
