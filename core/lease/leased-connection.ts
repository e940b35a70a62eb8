import type { DriverConnection } from '../driver.js';

/** Why the pool took a connection back from its holder, and what caused it. @internal */
export interface Revocation {
  readonly detail: string;
  readonly cause?: Error;
}

/** The part of a pool entry a lease touches. @internal */
export interface LeasedConnection {
  readonly conn: DriverConnection;
  /**
   * Set once the pool has taken the connection back from its holder. The entry is never lent
   * again, so every lease on it is refused from then on, before anything reaches the connection.
   */
  readonly revoked: Revocation | undefined;
}
