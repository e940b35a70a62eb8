import type { Subscription } from 'rxjs';
import type { ConnectionRole, DriverConnection } from './driver.js';
import type { ConnectionRef } from '../machines/pool.machine.js';
import type { AcquireQueue } from '../streams/acquire-queue.js';
import type { Lease, LeaseMode, Revocation } from './lease.js';

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

/** One pooled connection, as the runtime tracks it between holders. Internal. */
export interface Entry {
  readonly ref: ConnectionRef;
  readonly conn: DriverConnection;
  readonly lane: Lane;
  inUse: boolean;
  /** The connection's machine is `idle` (the settle pass told it); false while it is `leased`. */
  settled: boolean;
  /** A fatal error seen while leased: the connection is failed and replaced on release. */
  broken: Error | undefined;
  /** Taken back from its holder (see `Lease.revoked`): never lent again. */
  revoked: Revocation | undefined;
  /** `performance.now()` at the current grant, for the lease-hold histogram. */
  heldSince: number;
  /** When it last went back on the free list (pool clock, ms): the idle trim reads it. */
  idleSince: number;
  /** Past its max lifetime: closed as soon as it is free. */
  expired: boolean;
  expiry: Subscription | undefined;
}

/** What a queued request carries: its mode, and when acquire() was called (`performance.now()`). */
export interface Waiting {
  readonly mode: LeaseMode;
  readonly since: number;
}

/** One lane (readers, or the single writer) of the runtime. Internal. */
export interface Lane {
  readonly role: ConnectionRole;
  readonly entries: Set<Entry>;
  /** Free connections, most recently used last (LIFO keeps hot pages in the same connection). */
  readonly free: Entry[];
  readonly queue: AcquireQueue<Lease, Waiting>;
}

export const READ: AcquireOptions = { mode: 'read' };
export const WRITE: AcquireOptions = { mode: 'write' };
export const LEASE_EVENT = { type: 'connection.lease' } as const;
export const RELEASE_EVENT = { type: 'connection.release' } as const;
export const CLOSE_EVENT = { type: 'connection.close' } as const;
