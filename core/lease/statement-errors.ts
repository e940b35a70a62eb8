import type { SchedulerLike } from 'rxjs';
import type { Driver } from '../driver.js';
import { PoolError, type PoolStateSummary } from '../errors/errors.js';
import type { LeaseMode } from './lease.js';
import type { Entry } from '../lending/pool-types.js';
import type { PoolCounters } from '../monitoring/stats.js';

/** What the error path needs from the pool. @internal */
export interface StatementErrorContext {
  readonly driver: Driver;
  readonly scheduler: SchedulerLike;
  readonly busyTimeoutMs: number;
  readonly counters: PoolCounters;
  summary(): PoolStateSummary;
  /** Records the failure that made a connection unusable (the cause of later timeouts). */
  connectionBroke(error: Error): void;
  /** Keeps the process up while a retry waits on the pool's (unref'd) clock. */
  hold<T>(work: Promise<T>): Promise<T>;
}

/**
 * Turns a driver error on a lease into what the caller sees: a busy statement outside a transaction
 * is waited out and retried; a write on a reader, a busy lock inside a transaction and a dead
 * connection become typed PoolErrors (the last also marks the connection for replacement on
 * release); anything else, such as a constraint, passes through unchanged. @internal
 */
export async function handleStatementError(
  ctx: StatementErrorContext,
  entry: Entry,
  mode: LeaseMode,
  err: unknown,
  retry: () => Promise<unknown>,
): Promise<unknown> {
  const kind = ctx.driver.classify(err);
  ctx.counters.statementErrors++;
  if (kind === 'busy' && !entry.conn.inTransaction) return retryBusy(ctx, entry, mode, err, retry);
  return raise(ctx, entry, mode, kind, err);
}

/** Throws what the caller sees for an error that is not waited out. */
function raise(
  ctx: StatementErrorContext,
  entry: Entry,
  mode: LeaseMode,
  kind: ReturnType<Driver['classify']>,
  err: unknown,
): never {
  if (kind === 'busy') throw new PoolError('SQLITE_BUSY', undefined, { cause: err });
  if (kind === 'read-only')
    throw new PoolError(mode === 'read' ? 'READ_ONLY_LEASE' : 'DATABASE_READ_ONLY', undefined, {
      cause: err,
    });
  if (kind === 'fatal') {
    entry.broken = err instanceof Error ? err : new Error(String(err));
    // SQLite may have rolled the transaction back on its own (IOERR, FULL, CORRUPT): a later
    // statement of the holder's would run in autocommit, so none reaches the connection.
    entry.revoked ??= { detail: `the connection failed: ${entry.broken.message}`, cause: entry.broken };
    ctx.connectionBroke(entry.broken);
    throw new PoolError('CONNECTION_LOST', `the connection failed: ${entry.broken.message}`, { cause: err });
  }
  throw err;
}

/**
 * Another process holds the write lock. The statement had no effect, so wait (asynchronously,
 * with jittered exponential backoff, never blocking the event loop) and try again until the
 * busy deadline.
 */
async function retryBusy(
  ctx: StatementErrorContext,
  entry: Entry,
  mode: LeaseMode,
  first: unknown,
  retry: () => Promise<unknown>,
): Promise<unknown> {
  const { scheduler, busyTimeoutMs } = ctx;
  const deadline = scheduler.now() + busyTimeoutMs;
  let err = first;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - scheduler.now();
    if (left <= 0) {
      ctx.counters.busyTimeouts++;
      throw new PoolError('SQLITE_BUSY', undefined, { cause: err, state: ctx.summary() });
    }
    const backoff = Math.min(left, Math.min(100, 2 ** attempt) * (0.5 + Math.random()));
    await ctx.hold(new Promise((resolve) => scheduler.schedule(resolve, backoff)));
    try {
      return await retry();
    } catch (next) {
      // Any other error met on a retry is told as on a first attempt: a dead connection is
      // marked broken, so it is replaced, not handed to the next holder.
      const kind = ctx.driver.classify(next);
      if (kind !== 'busy') raise(ctx, entry, mode, kind, next);
      err = next;
    }
  }
}
