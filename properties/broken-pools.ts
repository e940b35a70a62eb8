import { performance } from 'node:perf_hooks';
import type { LeaseMode } from '../core/lease.js';
import type { Lease } from '../core/lease.js';
import type { AcquireOptions, Entry, Lane, Waiting } from '../core/pool.js';
import type { ConnectionRole } from '../core/driver.js';
import type { Waiter } from '../streams/acquire-queue.js';
import { InspectablePool, type PoolClass } from './inspectable-pool.js';

/**
 * Deliberately broken pools, each with one classic pool bug, to show that the properties catch
 * it. Each overrides one protected step of the real pool; none ships.
 */

/** A release that returns the connection twice: it lands on the free list a second time. */
export class DoubleReturnPool extends InspectablePool {
  protected override handOff(entry: Entry, t: number): void {
    super.handOff(entry, t);
    if (!entry.inUse) entry.lane.free.push(entry);
  }
}

/**
 * A timeout that forgets to dequeue: the caller is told ACQUIRE_TIMEOUT, but the waiter stays in
 * line, and the next released connection is handed to it and lost (knex #1694).
 */
export class ForgetfulTimeoutPool extends InspectablePool {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    const queue = lane.queue;
    const stale: Waiter<Lease, Waiting>[] = [];
    return {
      ...lane,
      queue: {
        get size() {
          return queue.size;
        },
        requests$: queue.requests$,
        rejectAll: (error) => queue.rejectAll(error),
        shift: () => stale.shift() ?? queue.shift(),
        enqueue(deadline, data, signal) {
          const promise = queue.enqueue(deadline, data, signal);
          const ghost: Waiter<Lease, Waiting> = {
            seq: -1,
            enqueuedAt: 0,
            deadline,
            data,
            settled: false,
            resolve: () => undefined,
            reject: () => undefined,
          };
          promise.catch((err: unknown) => {
            if ((err as { code?: string }).code === 'ACQUIRE_TIMEOUT') stale.push(ghost);
          });
          return promise;
        },
      },
    };
  }
}

/** A double release silently accepted: the second release() checks the connection in again. */
export class SilentDoubleReleasePool extends InspectablePool {
  protected override grant(entry: Entry, mode: LeaseMode, now: number, t: number): Lease {
    const lease = super.grant(entry, mode, now, t);
    const release = lease.release.bind(lease);
    lease.release = () => (lease.released ? this.checkin(lease) : release());
    return lease;
  }
}

/** A writer lane that admits two: a write finding the writer busy borrows a reader connection. */
export class TwoWritersPool extends InspectablePool {
  override acquire(options?: AcquireOptions): Promise<Lease> {
    const writerBusy = this.writeLane.free.length === 0 && this.writeLane.queue.size === 0;
    if (options?.mode === 'write' && writerBusy && this.stats().state === 'open') {
      const entry = this.readLane.free.pop();
      if (entry)
        return Promise.resolve(this.grant(entry, 'write', this.options.scheduler.now(), performance.now()));
    }
    return super.acquire(options);
  }
}

/** A close that forgets its waiters: they are never rejected, and hang (pg #2282). */
export class CloseForgetsWaitersPool extends InspectablePool {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    return {
      ...lane,
      queue: Object.assign(Object.create(lane.queue) as typeof lane.queue, { rejectAll: () => {} }),
    };
  }
}

/** An abort that is ignored: the waiter stays in line after its caller gave up. */
export class DeafAbortPool extends InspectablePool {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    const queue = lane.queue;
    const deaf: typeof queue = Object.create(queue) as typeof queue;
    deaf.enqueue = (deadline, data) => queue.enqueue(deadline, data, undefined);
    return { ...lane, queue: deaf };
  }
}

/** A handoff that serves the newest waiter first (LIFO): older waiters starve. */
export class LifoPool extends InspectablePool {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    const queue = lane.queue;
    const lifo: typeof queue = Object.create(queue) as typeof queue;
    lifo.shift = () => {
      const all: Waiter<Lease, Waiting>[] = [];
      for (let w = queue.shift(); w; w = queue.shift()) all.push(w);
      const newest = all.pop();
      // The others go back in line, in their order, still wired to their callers.
      for (const w of all) queue.enqueue(w.deadline, w.data).then(w.resolve, w.reject);
      return newest;
    };
    return { ...lane, queue: lifo };
  }
}

/**
 * A close that rolls back without revoking: past closeTimeoutMs it rolls the holder's transaction
 * back while the lease still works, so the holder's next INSERT runs, and commits, in autocommit.
 */
export class RollbackWithoutRevokePool extends InspectablePool {
  protected override revoke(): void {}
}

/**
 * A release that trusts a stale mirror: it decides on ROLLBACK from `inTransaction` as of the last
 * answered statement, and hands the connection on while the holder's BEGIN is still in flight.
 */
export class StaleMirrorPool extends InspectablePool {
  protected override reclaim(entry: Entry, t: number): void {
    if (!entry.broken && !entry.revoked && !entry.conn.inTransaction) return this.handOff(entry, t);
    super.reclaim(entry, t);
  }
}

/** Each broken variant and the invariant that must catch it. */
export const BROKEN_POOLS: readonly { name: string; poolClass: PoolClass; caughtBy: readonly string[] }[] = [
  {
    name: 'a release that returns the connection twice',
    poolClass: DoubleReturnPool,
    caughtBy: ['exclusive'],
  },
  { name: 'a timeout that forgets to dequeue', poolClass: ForgetfulTimeoutPool, caughtBy: ['lease-lost'] },
  {
    name: 'a double release silently accepted',
    poolClass: SilentDoubleReleasePool,
    caughtBy: ['double-release'],
  },
  { name: 'a writer lane that admits two', poolClass: TwoWritersPool, caughtBy: ['one-writer'] },
  {
    name: 'a close that forgets its waiters',
    poolClass: CloseForgetsWaitersPool,
    caughtBy: ['settles-once'],
  },
  { name: 'an abort that is ignored', poolClass: DeafAbortPool, caughtBy: ['settles-once'] },
  { name: 'a handoff that serves the newest waiter first', poolClass: LifoPool, caughtBy: ['fifo'] },
];
