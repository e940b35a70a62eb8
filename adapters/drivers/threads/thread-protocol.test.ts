import test from 'ava';
import Database from 'better-sqlite3';
import { PoolError } from '../../../core/errors/errors.js';
import { fromWire, toWire } from './thread-protocol.js';

/** What `postMessage` does to a value: the structured clone, here without a thread. */
function across(err: unknown): Error {
  return fromWire(structuredClone(toWire(err)));
}

test('a PoolError crosses with its code, detail, counts and cause, its message as made, nothing parsed', (t) => {
  const cause = new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  const state = { total: 3, leased: 1, idle: 2, waiting: 0 };
  const sent = new PoolError('SQLITE_BUSY', undefined, { cause, state });
  const got = across(sent);
  t.true(got instanceof PoolError);
  const pe = got as PoolError;
  t.is(pe.code, 'SQLITE_BUSY');
  t.is(pe.message, sent.message);
  t.is(pe.detail, sent.detail);
  t.deepEqual(pe.state, state);
  t.true(pe.cause instanceof Database.SqliteError, String(pe.cause));
  t.like(pe.cause, { code: 'SQLITE_BUSY', message: 'database is locked', name: 'SqliteError' });
});

test('a PoolError whose detail ends in its own mark crosses with its message unchanged', (t) => {
  // Such a message gains no period before "Fix:", which cutting the message apart did not expect.
  const sent = new PoolError('INVALID_OPTION', 'unknown option "maxx"; did you mean "max"?');
  const got = across(sent) as PoolError;
  t.is(got.message, sent.message);
  t.is(got.detail, 'unknown option "maxx"; did you mean "max"?');
});

test('an error crosses with its class, code, plain fields and cause', (t) => {
  const inner = new PoolError('RESULT_TOO_LARGE');
  const sent = Object.assign(new RangeError('too many values', { cause: inner }), { code: 'ERR_X', at: 7 });
  const got = across(sent) as RangeError & { code?: string; at?: number };
  t.true(got instanceof RangeError);
  t.like(got, { message: 'too many values', code: 'ERR_X', at: 7 });
  t.true(got.cause instanceof PoolError);
  t.is((got.cause as PoolError).message, inner.message);
});

test('a chain of causes that points back to itself is cut, not followed forever', (t) => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  Object.assign(a, { cause: b });
  let depth = 0;
  for (let e: unknown = across(a); e instanceof Error; e = e.cause) depth++;
  t.is(depth, 5, 'the error and four causes');
});
