import type pg from 'pg';
import { connectionUrl, isKeywordString } from '../adapters/drivers/postgres/connection-string.js';
import { CliError, EXIT } from './errors.js';

/** A PostgreSQL URL taken apart: what `migrate` and `stats` connect with. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: string | undefined;
  /** `sslmode` other than disable/allow/prefer: connect over TLS. */
  ssl: boolean;
  /** The URL with the password masked, for messages. */
  display: string;
  /** The URL node-postgres reads (TLS files, socket folder), as `postgresDriver` does. */
  url: string;
}

/** Whether a `--db` / `--to` value is a PostgreSQL URL or `key=value` string rather than a file path. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value) || isKeywordString(value);
}

/**
 * Parses `postgres://user:password@host:port/database?sslmode=verify-full` (or a libpq
 * `key=value` string, or a socket: `postgres:///db?host=/var/run/postgresql`) completely and names the
 * part that is wrong: the scheme, the host, the port (1 to 65535; default 5432), the database
 * (exactly one path segment), or the user. Throws a CliError (code `BAD_URL`).
 *
 * @example
 * ```ts
 * parsePostgresUrl('--to', 'postgres://bot@db.internal:6543/bot').port; // 6543
 * ```
 */
export function parsePostgresUrl(flag: string, given: string): PgTarget {
  const example = 'postgres://user:password@host:5432/database';
  const bad = (part: string): CliError =>
    new CliError('BAD_URL', `${flag} ${mask(given)}: ${part}`, `write it as ${example}`);
  if (!isPostgresUrl(given)) throw bad('the scheme must be postgres:// or postgresql://');
  let value: string;
  try {
    value = connectionUrl(given);
  } catch (err) {
    throw bad((err as Error).message);
  }
  // The WHATWG parser only knows the port of special schemes: take the authority apart here.
  const m = /^postgres(?:ql)?:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(value);
  if (!m) throw bad('it is not a URL');
  const [, auth, hostPort = '', path = '', query = ''] = m;
  const params = new URLSearchParams(query.slice(1));
  const hp = /^(\[[^\]]+\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  // A Unix socket: the folder as the host (`%2Fvar%2Frun%2Fpostgresql`) or as `?host=`.
  const host = decodeURIComponent(hp?.[1] ?? '').replace(/^\[|\]$/g, '') || (params.get('host') ?? '');
  if (!host) throw bad('the host is missing (postgres://HOST:5432/database)');
  if (!host.startsWith('/') && !/^[A-Za-z0-9.\-_:%]+$/.test(host))
    throw bad(`the host "${host}" is not a host name or address`);
  const portText = hp?.[2] || (params.get('port') ?? undefined);
  const port = portText === undefined || portText === '' ? 5432 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !/^\d*$/.test(portText ?? ''))
    throw bad(`the port "${portText}" is not a number from 1 to 65535`);
  const segments = path.split('/').filter(Boolean);
  if (segments.length !== 1)
    throw bad(
      segments.length === 0
        ? 'the database name is missing (postgres://host:5432/DATABASE)'
        : `the database "${segments.join('/')}" has more than one path segment`,
    );
  const database = decodeURIComponent(segments[0] as string);
  let user: string | undefined;
  let password: string | undefined;
  if (auth !== undefined) {
    const [u = '', ...rest] = auth.split(':');
    user = decodeURIComponent(u);
    password = rest.length > 0 ? decodeURIComponent(rest.join(':')) : undefined;
    if (!user) throw bad('the user before "@" is empty (postgres://USER@host/database, or leave out "@")');
  }
  const sslmode = params.get('sslmode');
  if (
    sslmode &&
    !['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'].includes(sslmode)
  )
    throw bad(
      `sslmode "${sslmode}" is not one of disable, prefer, require, verify-ca, verify-full, no-verify`,
    );
  return {
    host,
    port,
    database,
    user,
    password,
    ssl: sslmode !== null && !['disable', 'allow', 'prefer'].includes(sslmode),
    display: mask(value),
    url: value,
  };
}

/** The URL (or `key=value` string) with its password replaced by `***`. */
export function mask(url: string): string {
  return url
    .replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@')
    .replace(/(\bpassword\s*=\s*)('(?:\\.|[^'\\])*'|\S*)/i, '$1***');
}

/**
 * The node-postgres client config of a target: its URL, read by node-postgres as
 * `postgresDriver({ connectionString })` reads it, so TLS (`sslmode`, `sslrootcert`, `sslcert`,
 * `sslkey`) and sockets work the same in the CLI and in the pool.
 */
export function clientConfig(t: PgTarget): pg.ClientConfig {
  return { connectionString: t.url };
}

/** Loads `pg`, an optional peer dependency; a missing one becomes a one-line error. */
export async function loadPg(command: string): Promise<typeof pg> {
  try {
    return (await import('pg')).default;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new CliError(
      'MISSING_PACKAGE',
      `${command} on PostgreSQL needs the "pg" package, which is not installed`,
      'npm install pg',
      EXIT.ENVIRONMENT,
      { cause: err },
    );
  }
}

/**
 * A connection failure, as one line that names the part of the URL to look at: the host and
 * port (unreachable, refused), the user and password (authentication), or the database.
 */
export function connectError(t: PgTarget, flag: string, err: unknown): CliError {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  const where = `${t.host}:${t.port}`;
  const [what, fix] =
    code === 'ECONNREFUSED'
      ? [
          `nothing accepts connections at ${where}`,
          `start PostgreSQL there, or correct the host or port in ${flag}`,
        ]
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? [`the host "${t.host}" is not known`, `correct the host in ${flag}`]
        : code === 'ETIMEDOUT'
          ? [`${where} did not answer`, `check the host, port and firewall in ${flag}`]
          : code === '28P01' || code === '28000'
            ? [
                `the server at ${where} refused user "${t.user ?? '(default)'}" (${message})`,
                `correct the user or password in ${flag}`,
              ]
            : code === '3D000'
              ? [
                  `the database "${t.database}" does not exist on ${where}`,
                  `create it (createdb ${t.database}) or correct the database in ${flag}`,
                ]
              : [`could not connect to ${t.display} (${code ? `${code}: ` : ''}${message})`, `check ${flag}`];
  return new CliError('CONNECT_FAILED', what, fix, EXIT.ENVIRONMENT, { cause: err });
}
