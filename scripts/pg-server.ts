/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary folder, start
 * on a free port of 127.0.0.1, hand back a `DATABASE_URL`, and stop and delete it all at the end.
 *
 * Run as a command, it starts a server, runs the command after `--` with `DATABASE_URL` set, stops
 * the server and exits with the command's status:
 *
 * ```sh
 * npx tsx scripts/pg-server.ts -- npx ava adapters/drivers/postgres/postgres.test.ts
 * npx tsx scripts/pg-server.ts        # prints DATABASE_URL=..., stops on Ctrl-C
 * ```
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A running throwaway server. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`, trust authentication. */
  url: string;
  port: number;
  /** The temporary folder holding the data directory, socket and log. */
  dir: string;
  /** Stops the server (fast shutdown) and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
  /** `pg_ctl restart -m fast`: every session is closed, and the server is back when it resolves. */
  restart(): Promise<void>;
  /** With `tls: true`: the server's self-signed certificate (for 127.0.0.1), to pass as `sslrootcert`. */
  certificate?: string;
}

/** Where the PostgreSQL server binaries are: `$PG_BIN`, then the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Account {
  uid: number;
  gid: number;
}

/** initdb refuses to run as root: as root, run the binaries as the `postgres` account. */
function postgresAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const out = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (out.status !== 0)
      throw new Error('running as root needs a "postgres" user for initdb: useradd postgres');
    return Number(out.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

function run(file: string, args: string[], account: Account | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** A self-signed certificate for 127.0.0.1 and its key, readable by the server's account only. */
async function selfSigned(dir: string, account: Account | undefined): Promise<string> {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  await run(
    'openssl',
    [
      'req',
      '-new',
      '-x509',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    undefined,
  );
  chmodSync(key, 0o600);
  if (account) for (const f of [cert, key]) chownSync(f, account.uid, account.gid);
  return cert;
}

/**
 * Starts a fresh PostgreSQL server. Durability is switched off (`fsync=off`): the data is
 * thrown away anyway.
 *
 * @example
 * ```ts
 * const server = await startPostgresServer();
 * const pool = createPool({ driver: postgresDriver({ connectionString: server.url }) });
 * await pool.close();
 * await server.stop();
 * ```
 */
export async function startPostgresServer(
  options: { bin?: string; tls?: boolean } = {},
): Promise<PostgresServer> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) throw new Error('no PostgreSQL binaries found: install postgresql or set PG_BIN');
  const account = postgresAccount();
  const dir = mkdtempSync(join(tmpdir(), 'roas-pg-'));
  const data = join(dir, 'data');
  if (account) chownSync(dir, account.uid, account.gid);
  const pgCtl = join(bin, 'pg_ctl');
  let started = false;
  const stopSync = (): void => {
    if (started)
      spawnSync(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], {
        stdio: 'ignore',
        ...(account ?? {}),
      });
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without stop() must not leave a server behind.
  process.once('exit', stopSync);
  try {
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
      account,
    );
    const port = await freePort();
    let settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    const certificate = options.tls ? await selfSigned(dir, account) : undefined;
    if (certificate)
      settings += ` -c ssl=on -c ssl_cert_file=${certificate} -c ssl_key_file=${join(dir, 'server.key')}`;
    await run(
      pgCtl,
      ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'],
      account,
    );
    started = true;
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dir,
      ...(certificate ? { certificate } : {}),
      restart: () =>
        run(
          pgCtl,
          ['-D', data, '-l', join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart'],
          account,
        ),
      stop: () =>
        (stopping ??= (async () => {
          process.removeListener('exit', stopSync);
          if (started)
            await run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], account).catch(() => undefined);
          started = false;
          rmSync(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  const server = await startPostgresServer();
  const dash = argv.indexOf('--');
  const command = dash >= 0 ? argv.slice(dash + 1) : [];
  if (command.length === 0) {
    process.stdout.write(`DATABASE_URL=${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.stop();
    return 0;
  }
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: server.url } });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  await server.stop();
  return code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
