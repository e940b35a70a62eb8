/**
 * One reading of a connection string for the pool's driver and the CLI (`migrate`, `stats`), so
 * that TLS and sockets work the same in both: a `postgres://` URL goes to node-postgres as it is
 * (its parser reads `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `host=/socket/dir`), and a
 * libpq `key=value` string is turned into such a URL first. No import of `pg` here.
 */

/** libpq keywords that are parts of the URL; every other keyword becomes a query parameter. */
const PARTS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password']);

/** Whether `value` is a libpq `key=value` string (`host=db port=5432 dbname=bot`). */
export function isKeywordString(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(value.trim()) && /^\s*\w+\s*=/.test(value);
}

/** The pairs of a `key=value` string: values may be single-quoted, with `\'` and `\\` escapes. */
function keywords(value: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const re = /\s*(\w+)\s*=\s*(?:'((?:\\.|[^'\\])*)'|([^\s']*))/y;
  let at = 0;
  while (value.slice(at).trim() !== '') {
    re.lastIndex = at;
    const m = re.exec(value);
    if (!m) throw new TypeError(`cannot read the connection string after "${value.slice(0, at)}"`);
    pairs.set(m[1] as string, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
    at = re.lastIndex;
  }
  return pairs;
}

/**
 * A connection string as a `postgres://` URL: a URL is returned as it is; a libpq `key=value`
 * string is converted (`host=/var/run/postgresql dbname=bot` →
 * `postgres:///bot?host=%2Fvar%2Frun%2Fpostgresql`).
 *
 * @example
 * ```ts
 * connectionUrl("host=db.internal port=6543 dbname=bot user=bot sslmode=verify-full sslrootcert=ca.crt");
 * // 'postgres://bot@db.internal:6543/bot?sslmode=verify-full&sslrootcert=ca.crt'
 * ```
 */
export function connectionUrl(value: string): string {
  if (!isKeywordString(value)) return value;
  const k = keywords(value);
  const enc = encodeURIComponent;
  const host = k.get('host') ?? k.get('hostaddr') ?? '';
  const socket = host.startsWith('/');
  const user = k.get('user');
  const password = k.get('password');
  const auth = user !== undefined ? `${enc(user)}${password !== undefined ? `:${enc(password)}` : ''}@` : '';
  const port = k.get('port');
  const authority = socket ? '' : `${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : ''}`;
  const query = new URLSearchParams();
  if (socket) query.set('host', host);
  if (socket && port) query.set('port', port);
  for (const [key, v] of k) if (!PARTS.has(key)) query.set(key, v);
  const search = query.toString();
  return `postgres://${socket && auth ? auth : socket ? '' : auth}${authority}/${enc(k.get('dbname') ?? '')}${search ? `?${search}` : ''}`;
}
