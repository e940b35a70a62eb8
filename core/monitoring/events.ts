import type { PoolError } from '../errors/errors.js';

/**
 * Lifecycle events the pool publishes on `pool.events$`. Hot-path operations (acquire, release)
 * are not events: they are counted in `stats()`.
 */
export type PoolLifecycleEvent =
  | { type: 'connection.opened'; id: string; role: string; at: number }
  | { type: 'connection.failed'; id: string; role: string; error: Error; wasOpen: boolean; at: number }
  | { type: 'connection.closed'; id: string; role: string; at: number }
  | { type: 'connection.replaced'; id: string; role: string; reason: string; at: number }
  | { type: 'pool.resized'; min: number; max: number; reason: string; at: number }
  | {
      type: 'lease.leaked';
      mode: string;
      heldMs: number;
      stack: string | undefined;
      /** True when the lease was garbage-collected unreleased and its connection taken back. */
      reclaimed?: boolean;
      at: number;
    }
  | { type: 'pool.alert'; code: string; level: 'warning' | 'critical'; cleared: boolean; at: number }
  | { type: 'stats.failed'; error: unknown; at: number }
  /** A listener the pool calls threw (LISTENER_FAILED, its throw as the cause); the pool carried on. */
  | { type: 'listener.failed'; error: PoolError; at: number }
  | {
      /** `close()` started: the leases it waits for, and where each was acquired when recorded. */
      type: 'pool.closing';
      waitingFor: { mode: string; heldMs: number; stack: string | undefined }[];
      at: number;
    }
  | { type: 'pool.closed'; at: number };
