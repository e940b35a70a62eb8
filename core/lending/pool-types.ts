import type { Subscription } from 'rxjs';
import type { ConnectionRole, DriverConnection } from '../driver.js';
import type { ConnectionRef } from '../../machines/pool.machine.js';
import type { AcquireQueue } from '../../streams/acquire-queue.js';
import type { Lease, LeaseMode } from '../lease/lease.js';
import type { Revocation } from '../lease/leased-connection.js';

/** Options of one `acquire()`. */
export interface AcquireOptions {
  /** `read` (default) or `write`. On SQLite, write leases take the single write lane. */
  mode?: LeaseMode;
  /** Overrides the pool's `acquireTimeoutMs` for this request. */
  timeoutMs?: number;
  /** Aborts the wait; a lease granted before the abort is the caller's to release. */
  signal?: AbortSignal;
}

/** Options of `read()`, `write()` and `transaction()`. */
export type RunOptions = Omit<AcquireOptions, 'mode'>;

/**
 * Where an entry is in the bag, as HikariCP's `ConcurrentBag` sees it: `free` (on its lane's free
 * list), `leased` (a holder has it), `reserved` (taken off the free list by the pool itself, to be
 * validated), `removed` (out of the bag for good; a late release of it is ignored). @internal
 */
export type EntryState = 'free' | 'leased' | 'reserved' | 'removed';

/** One open connection in the bag. @internal */
export interface Entry {
  readonly ref: ConnectionRef;
  readonly conn: DriverConnection;
  readonly lane: Lane;
  state: EntryState;
  /** A fatal error seen while leased: the connection is failed and replaced on release. */
  broken: Error | undefined;
  /** Taken back from its holder (see `Lease.revoked`): never lent again. */
  revoked: Revocation | undefined;
  /** `performance.now()` at the current grant, for the lease-hold histogram. */
  heldSince: number;
  /** When the current lease was granted (pool clock, ms), in which mode, from which acquire stack
   * (when stacks are recorded), and whether it was reported held too long: flat fields, as each
   * grant sets them. */
  grantedAt: number;
  grantMode: LeaseMode;
  grantStack: string | undefined;
  leakReported: boolean;
  /** Leased by the pool's own housekeeping (the WAL watch), not by a user: never a leak, never
   * what close() tells the user it waits for. */
  ownedByPool?: boolean;
  /** Held by a pool.write() or pool.transaction() callback; otherwise a lease from acquire(). */
  heldByCall?: boolean;
  /** When it last went back on the free list (pool clock, ms): the idle trim reads it. */
  idleSince: number;
  /** Past its max lifetime: closed as soon as it is free. */
  expired: boolean;
  expiry: Subscription | undefined;
}

/**
 * What a queued request carries: its mode, when acquire() was called (`performance.now()`), and
 * with leak detection on, the stack of that call. @internal
 */
export interface Waiting {
  readonly mode: LeaseMode;
  readonly since: number;
  readonly stack?: string | undefined;
}

/** One lane (readers, or the single writer) of the bag. @internal */
export interface Lane {
  readonly role: ConnectionRole;
  /** Entries of this lane in the bag, free or not. */
  size: number;
  /** Free connections, most recently used last (LIFO keeps hot pages in the same connection). */
  readonly free: Entry[];
  readonly queue: AcquireQueue<Lease, Waiting>;
}

/** @internal */
export const READ: AcquireOptions = { mode: 'read' };
/** @internal */
export const WRITE: AcquireOptions = { mode: 'write' };
