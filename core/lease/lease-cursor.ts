import type { DriverConnection, Params } from '../driver.js';
import { PoolError } from '../errors/errors.js';

/** What a cursor needs from the lease it runs on. @internal */
export interface CursorOwner {
  /** Throws LEASE_RELEASED or LEASE_REVOKED once the lease can no longer be used. */
  live(): void;
  /** Before a busy cursor starts over: throws when the lease is no longer held. */
  held(): void;
  /** Turns a driver error into the pool's, as for any statement; may wait and retry. */
  onError(err: unknown, retry: () => Promise<unknown>): Promise<unknown>;
  /** The lease's cursors not yet run out or ended: its release closes them. */
  readonly cursors: Set<AsyncIterator<unknown>>;
}

/** `lease.iterate()`: checks its arguments at the call, then streams the driver's cursor. @internal */
export function openCursor<T>(
  conn: DriverConnection,
  sql: string,
  params: Params | undefined,
  chunkRows: number,
  owner: CursorOwner,
): AsyncIterableIterator<T[]> {
  if (conn.iterate === undefined) throw new PoolError('NOT_SUPPORTED', 'this driver cannot stream rows');
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1)
    throw new PoolError(
      'INVALID_ARGUMENT',
      `iterate() chunkRows must be a whole number of rows, at least 1; got ${String(chunkRows)}`,
    );
  const cursors = conn as Required<Pick<DriverConnection, 'iterate'>>;
  return cursorChunks(owner, () => cursors.iterate<T>(sql, params, chunkRows));
}

/**
 * The chunks of a driver cursor, as `lease.iterate()` yields them: errors are the pool's, only the
 * first chunk may wait out SQLITE_BUSY (nothing was read yet), a use after release is refused,
 * and the cursor is closed however the consumer stops. @internal
 *
 * @example
 * ```ts
 * return cursorChunks(owner, () => conn.iterate(sql, params, 100));
 * ```
 */
export async function* cursorChunks<T>(
  owner: CursorOwner,
  open: () => AsyncIterableIterator<T[]>,
): AsyncIterableIterator<T[]> {
  const { cursors } = owner;
  let rows = open();
  cursors.add(rows);
  const again = (): Promise<unknown> => {
    owner.held();
    cursors.delete(rows);
    rows = open();
    cursors.add(rows);
    return rows.next();
  };
  let next: IteratorResult<T[]> = { done: true, value: undefined };
  try {
    next = (await rows.next().catch((err: unknown) => owner.onError(err, again))) as IteratorResult<T[]>;
    while (next.done !== true) {
      yield next.value;
      owner.live();
      next = (await rows
        .next()
        .catch((err: unknown) => owner.onError(err, () => Promise.reject(err)))) as IteratorResult<T[]>;
    }
  } finally {
    cursors.delete(rows);
    if (next.done !== true) await rows.return?.();
  }
}

/**
 * Closes the cursors a holder left open when it released its lease. An open cursor keeps its
 * connection busy ("connection is busy executing a query" on the next write) and, on a reader, on
 * its old snapshot: the connection is handed on only once they are closed.
 */
export function closeCursors(cursors: Set<AsyncIterator<unknown>>): Promise<unknown> {
  return Promise.all([...cursors].map((c) => Promise.resolve(c.return?.()).catch(() => undefined)));
}
