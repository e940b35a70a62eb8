import test from 'ava';
import { PoolError } from '../core/errors/errors.js';
import { CliError, EXIT, report, setDebug } from './errors.js';

function printed(fn: (write: (s: string) => void) => number): { code: number; text: string } {
  let text = '';
  const code = fn((s) => (text += s));
  return { code, text };
}

test.serial('a user error is one line with its code, what and fix; --debug adds the stack', (t) => {
  const err = new CliError(
    'FILE_NOT_FOUND',
    'bot.db does not exist',
    'pass the path of a SQLite database file',
  );
  const plain = printed((w) => report('stats', err, w));
  t.is(plain.code, EXIT.USAGE);
  t.is(
    plain.text,
    'roas-pool stats: FILE_NOT_FOUND: bot.db does not exist. Fix: pass the path of a SQLite database file.\n',
  );
  setDebug(true);
  try {
    const debug = printed((w) => report('stats', err, w));
    t.regex(debug.text, /^roas-pool stats: FILE_NOT_FOUND: .*\nCliError: FILE_NOT_FOUND: .*\n\s+at /);
  } finally {
    setDebug(false);
  }
});

test.serial(
  'a PoolError is one line and exit code 3; anything else is a bug: exit 70 with its stack',
  (t) => {
    const pool = printed((w) => report('bench', new PoolError('NATIVE_BINDING_MISSING'), w));
    t.is(pool.code, EXIT.ENVIRONMENT);
    t.is(pool.text.split('\n').length, 2);
    t.regex(pool.text, /^roas-pool bench: NATIVE_BINDING_MISSING: /);
    const bug = printed((w) =>
      report('bench', new TypeError('x is undefined', { cause: new Error('inner') }), w),
    );
    t.is(bug.code, EXIT.BUG);
    t.regex(
      bug.text,
      /^roas-pool bench: INTERNAL: an unexpected error, which is a bug in roas-pool\. Fix: please report it/,
    );
    t.regex(bug.text, /TypeError: x is undefined\n\s+at .*[\s\S]*Caused by:\nError: inner/);
  },
);
