import type { Handling } from '../../../core/errors/diagnose.js';
import { PoolError } from '../../../core/errors/errors.js';
import { showValue } from '../../../core/errors/show-value.js';

/**
 * SQLSTATEs after which the server has closed the session: admin shutdown (57P01, what
 * `pg_terminate_backend` sends), crash shutdown (57P02), cannot connect now (57P03), idle session
 * timeout (57P05) and idle-in-transaction timeout (25P03). Class 08 (connection exception) too.
 */
const FATAL_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);

/** Node socket errors: the TCP connection is gone. */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
]);

/**
 * node-postgres's own messages for a client whose connection has ended, or whose `query_timeout`
 * fired: the server may still be running that query, so the connection is retired.
 */
const LOST_MESSAGE = /Connection terminated|not queryable|Connection timeout|Query read timeout/;

const LOST = Symbol.for('roas-pool.pg.lost');

/** Marks an error raised on a connection already known to be dead, so that it classifies as fatal. */
export function markLost(err: unknown): void {
  if (typeof err === 'object' && err !== null) (err as Record<symbol, unknown>)[LOST] = true;
}

/** The SQLSTATE (or Node socket code) of an error, if it has one. */
export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True for SQLSTATE 40001 (serialization_failure) and 40P01 (deadlock_detected): the server
 * rolled the statement (and the transaction around it) back, and running the same work again
 * may succeed. The pool does not retry a transaction on its own; use
 * {@link retrySerializationFailures} or the driver's `retrySerializationFailures` option.
 *
 * @example
 * ```ts
 * try { await pool.transaction(work); } catch (err) { if (isSerializationFailure(err)) await pool.transaction(work); }
 * ```
 */
export function isSerializationFailure(err: unknown): boolean {
  const code = pgCode(err);
  return code === '40001' || code === '40P01';
}

/**
 * Sorts a node-postgres error for the pool (see `Driver.classify`):
 * - `fatal`: the session is gone (57P01/57P02/57P03/57P05/25P03, class 08, socket errors, or an
 *   error on a connection that already reported itself lost); the pool replaces the connection;
 * - `statement`: everything else, serialization failures included. They are the caller's to
 *   retry, because only the whole transaction can be run again; see {@link isSerializationFailure}.
 *
 * PostgreSQL has no `busy` class: a row lock waits inside the server, never fails at once.
 */
export function classifyPostgresError(err: unknown): Handling {
  if (typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[LOST]) return 'fatal';
  const code = pgCode(err);
  if (code !== undefined && (FATAL_SQLSTATES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code)))
    return 'fatal';
  if (err instanceof Error && code === undefined && LOST_MESSAGE.test(err.message)) return 'fatal';
  return 'statement';
}

/**
 * Runs `work` again while it fails with a serialization failure or deadlock, up to `attempts`
 * times in all, with a short jittered pause between tries. Pass the whole transaction.
 *
 * @example
 * ```ts
 * await retrySerializationFailures(() =>
 *   pool.transaction(async (tx) => tx.run('UPDATE xp SET points = points + 1 WHERE user_id = $1', [7])),
 * );
 * ```
 */
export async function retrySerializationFailures<T>(
  work: () => Promise<T>,
  options: { attempts?: number; maxBackoffMs?: number } = {},
): Promise<T> {
  if (typeof work !== 'function')
    throw new PoolError(
      'INVALID_ARGUMENT',
      `retrySerializationFailures() takes a function () => Promise, got ${showValue(work)}`,
    );
  const attempts = options.attempts ?? 5;
  const maxBackoffMs = options.maxBackoffMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isSerializationFailure(err)) throw err;
      const pauseMs = Math.min(maxBackoffMs, 2 ** attempt) * Math.random();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
