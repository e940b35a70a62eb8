import test from 'ava';
import { CliError } from './errors.js';
import { clientConfig, mask, parsePostgresUrl } from './pg-url.js';

test('takes every part of a PostgreSQL URL apart, port and password included', (t) => {
  const target = parsePostgresUrl(
    '--to',
    'postgresql://bot:s%40cret@db.internal:6543/bot_prod?sslmode=require',
  );
  t.like(target, {
    host: 'db.internal',
    port: 6543,
    database: 'bot_prod',
    user: 'bot',
    password: 's@cret',
    ssl: true,
  });
  t.deepEqual(clientConfig(target), {
    connectionString: 'postgresql://bot:s%40cret@db.internal:6543/bot_prod?sslmode=require',
  });
  t.is(target.display, 'postgresql://bot:***@db.internal:6543/bot_prod?sslmode=require');
  t.like(parsePostgresUrl('--to', 'postgres://localhost/bot'), { port: 5432, user: undefined });
  t.like(parsePostgresUrl('--to', 'postgres://u@[::1]:5433/bot'), { host: '::1', port: 5433 });
});

test('names the part of the URL that is wrong', (t) => {
  const wrong = (url: string): string => {
    const err = t.throws<CliError>(() => parsePostgresUrl('--to', url), { instanceOf: CliError });
    t.is(err.code, 'BAD_URL');
    return err.what;
  };
  t.regex(wrong('mysql://h/db'), /the scheme must be postgres:\/\//);
  t.regex(wrong('postgres:///db'), /the host is missing/);
  t.regex(wrong('postgres://h:54x/db'), /the port "54x" is not a number/);
  t.regex(wrong('postgres://h:0/db'), /the port "0"/);
  t.regex(wrong('postgres://h:5432'), /the database name is missing/);
  t.regex(wrong('postgres://h/a/b'), /the database "a\/b" has more than one path segment/);
  t.regex(wrong('postgres://:pw@h/db'), /the user before "@" is empty/);
  t.regex(wrong('postgres://h/db?sslmode=sometimes'), /sslmode "sometimes"/);
  t.is(mask('postgres://u:hunter2@h/db'), 'postgres://u:***@h/db');
});

test('reads key=value strings, sockets and sslmode=no-verify as postgresDriver does', (t) => {
  t.like(
    parsePostgresUrl('--to', "host=db port=6543 dbname=bot user=bot password='s p' sslmode=verify-full"),
    {
      host: 'db',
      port: 6543,
      database: 'bot',
      password: 's p',
      ssl: true,
      url: 'postgres://bot:s%20p@db:6543/bot?sslmode=verify-full',
    },
  );
  t.like(parsePostgresUrl('--to', 'postgres:///bot?host=/var/run/postgresql'), {
    host: '/var/run/postgresql',
    database: 'bot',
  });
  t.like(parsePostgresUrl('--to', 'postgres://u@%2Ftmp%2Fpg:5433/bot'), { host: '/tmp/pg', port: 5433 });
  t.like(parsePostgresUrl('--to', 'postgres://u@h/bot?sslmode=no-verify'), { ssl: true });
  t.is(mask("host=h password='hunter 2' dbname=d"), 'host=h password=*** dbname=d');
});
