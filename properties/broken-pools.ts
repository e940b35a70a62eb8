import { performance } from 'node:perf_hooks';
import type { ConnectionRole } from '../core/driver.js';
import { Bag } from '../core/lending/bag.js';
import { validateConnection } from '../core/upkeep/health.js';
import { Housekeeping } from '../core/upkeep/housekeeping.js';
import { HeldLease, type HoldingCall, type LeaseCallback } from '../core/lease/held-lease.js';
import type { Lease, LeaseMode } from '../core/lease/lease.js';
import { Lending } from '../core/lending/lending.js';
import { Lifecycle } from '../core/lifecycle/lifecycle.js';
import type { ConnectionRef } from '../machines/pool.machine.js';
import { Nesting } from '../core/lease/nesting.js';
import type { AcquireOptions, Entry, Lane, Waiting } from '../core/lending/pool-types.js';
import { Shutdown } from '../core/lifecycle/shutdown.js';
import type { Waiter } from '../streams/acquire-queue.js';
import { withParts, type PoolClass } from './inspectable-pool.js';

/**
 * Deliberately broken pools, each with one classic pool bug, to show that the properties catch
 * it. Each is the real pool built with one broken part (a bag, lending or shutdown that overrides
 * one step of the real part); none ships.
 */

/** A release that returns the connection twice: it lands on the free list a second time. */
class DoubleReturnBag extends Bag {
  override putFree(entry: Entry, now: number): void {
    super.putFree(entry, now);
    entry.lane.free.push(entry);
  }
}
export const DoubleReturnPool = withParts({ bag: DoubleReturnBag });

/**
 * A timeout that forgets to dequeue: the caller is told ACQUIRE_TIMEOUT, but the waiter stays in
 * line, and the next released connection is handed to it and lost (knex #1694).
 */
class ForgetfulTimeoutBag extends Bag {
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
export const ForgetfulTimeoutPool = withParts({ bag: ForgetfulTimeoutBag });

/** A double release silently accepted: the second release() checks the connection in again. */
class SilentDoubleReleaseLending extends Lending {
  override grant(entry: Entry, mode: LeaseMode, now: number, t: number, stack?: string): Lease {
    const lease = super.grant(entry, mode, now, t, stack);
    const release = lease.release.bind(lease);
    lease.release = () => (lease.released ? this.checkin(lease) : release());
    return lease;
  }
}
export const SilentDoubleReleasePool = withParts({ lending: SilentDoubleReleaseLending });

/** A writer lane that admits two: a write finding the writer busy borrows a reader connection. */
class TwoWritersLending extends Lending {
  override acquire(options?: AcquireOptions, stack?: string): Promise<Lease> {
    const { bag, options: o } = this.rt;
    const writerBusy = bag.writeLane.free.length === 0 && bag.writeLane.queue.size === 0;
    if (options?.mode === 'write' && writerBusy && !this.rt.closing) {
      const entry = bag.takeFree(bag.readLane);
      if (entry) return Promise.resolve(this.grant(entry, 'write', o.scheduler.now(), performance.now()));
    }
    return super.acquire(options, stack);
  }
}
export const TwoWritersPool = withParts({ lending: TwoWritersLending });

/** A close that forgets its waiters: they are never rejected, and hang (pg #2282). */
class CloseForgetsWaitersBag extends Bag {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    return {
      ...lane,
      queue: Object.assign(Object.create(lane.queue) as typeof lane.queue, { rejectAll: () => {} }),
    };
  }
}

export const CloseForgetsWaitersPool = withParts({ bag: CloseForgetsWaitersBag });

/** An abort that is ignored: the waiter stays in line after its caller gave up. */
class DeafAbortBag extends Bag {
  protected override lane(role: ConnectionRole): Lane {
    const lane = super.lane(role);
    const queue = lane.queue;
    const deaf: typeof queue = Object.create(queue) as typeof queue;
    deaf.enqueue = (deadline, data) => queue.enqueue(deadline, data, undefined);
    return { ...lane, queue: deaf };
  }
}

export const DeafAbortPool = withParts({ bag: DeafAbortBag });

/** A handoff that serves the newest waiter first (LIFO): older waiters starve. */
class LifoBag extends Bag {
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

export const LifoPool = withParts({ bag: LifoBag });

/**
 * A close that rolls back without revoking: past closeTimeoutMs it rolls the holder's transaction
 * back while the lease still works, so the holder's next INSERT runs, and commits, in autocommit.
 */
class RollbackWithoutRevokeShutdown extends Shutdown {
  protected override revoke(): void {}
}
export const RollbackWithoutRevokePool = withParts({ shutdown: RollbackWithoutRevokeShutdown });

/**
 * A release that trusts a stale mirror: it decides on ROLLBACK from `inTransaction` as of the last
 * answered statement, and hands the connection on while the holder's BEGIN is still in flight.
 */
class StaleMirrorLending extends Lending {
  protected override reclaim(entry: Entry, t: number): void {
    if (!entry.broken && !entry.revoked && !entry.conn.inTransaction) return this.handOff(entry, t);
    super.reclaim(entry, t);
  }
}
export const StaleMirrorPool = withParts({ lending: StaleMirrorLending });

/** A nested rollback that rolls back the whole transaction, not only its savepoint. */
class WholeRollbackNesting extends Nesting {
  protected override undo(lease: Lease): Promise<void> {
    return lease.exec('ROLLBACK');
  }
}
export const WholeRollbackPool = withParts({ nesting: WholeRollbackNesting });

/** Nested calls that never join: each takes a new lease, as before nesting joined. */
class NewLeaseNesting extends Nesting {
  override current(): HeldLease | undefined {
    return undefined;
  }
}
export const NewLeasePool = withParts({ nesting: NewLeaseNesting });

/** Joined calls not serialized: nested calls under Promise.all interleave on the one lease. */
class InterleavedNesting extends Nesting {
  override join<T>(held: HeldLease, call: HoldingCall, fn: LeaseCallback<T>): Promise<T> {
    return this.run(new HeldLease(held.lease, call, fn, undefined, held), call, fn);
  }
}
export const InterleavedPool = withParts({ nesting: InterleavedNesting });

/**
 * A lifecycle that keeps the record of a connection the supervisor reports gone: the bag goes on
 * counting (and may lend) a connection whose actor failed or closed.
 */
class KeepsGoneRecordsLifecycle extends Lifecycle {
  protected override forget(ref: ConnectionRef): Lane {
    return this.rt.bag.get(ref)?.lane ?? this.rt.bag.laneOf(ref.getSnapshot().context.role);
  }
}
export const KeepsGoneRecordsPool = withParts({ lifecycle: KeepsGoneRecordsLifecycle });

/** Leases that keep no statement log: COMMIT neither waits for statements nor sees their failures. */
class UntrackedLending extends Lending {
  override grant(entry: Entry, mode: LeaseMode, now: number, t: number, stack?: string): Lease {
    const lease = super.grant(entry, mode, now, t, stack);
    Object.defineProperty(lease, 'log', { value: undefined });
    return lease;
  }
}
export const UntrackedStatementsPool = withParts({ lending: UntrackedLending });

/** Lending that never yields to the event loop: every immediate grant is a microtask. */
class NeverYieldingLending extends Lending {
  constructor(rt: ConstructorParameters<typeof Lending>[0]) {
    super(rt);
    Object.defineProperty(this, 'turns', {
      value: { settle: <T>(value: T) => Promise.resolve(value), due: () => false },
    });
  }
}
export const NeverYieldingPool = withParts({ lending: NeverYieldingLending });

/** Lending whose hand-off of the write connection to a queued writer never waits for a turn. */
class WriteHandOffNeverYieldsLending extends Lending {
  override handOff(entry: Entry, t: number): void {
    if (entry.lane !== this.rt.bag.writeLane) return super.handOff(entry, t);
    Object.defineProperty(this.turns, 'due', { value: () => false, configurable: true });
    try {
      super.handOff(entry, t);
    } finally {
      delete (this.turns as { due?: unknown }).due;
    }
  }
}
export const WriteHandOffNeverYieldsPool = withParts({ lending: WriteHandOffNeverYieldsLending });

/**
 * Lending whose direct read, when the event loop is due a turn, takes the acquire path as it did
 * before issue 25's fix: the free reader is lent at once and resolved after the turn, held across it.
 */
class ReaderHeldAcrossTurnLending extends Lending {
  override grantNow(mode: LeaseMode): Lease | Promise<void> | undefined {
    const granted = super.grantNow(mode);
    return granted instanceof Promise ? undefined : granted;
  }
}
export const ReaderHeldAcrossTurnPool = withParts({ lending: ReaderHeldAcrossTurnLending });

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
  {
    name: 'a nested rollback that rolls back the whole transaction',
    poolClass: WholeRollbackPool,
    caughtBy: ['nested-rows'],
  },
  {
    name: 'a nested call that takes a new lease',
    poolClass: NewLeasePool,
    caughtBy: ['nested-deadlock', 'read-your-writes'],
  },
  {
    name: 'nested calls interleaved on the joined lease',
    poolClass: InterleavedPool,
    caughtBy: ['nested-rows'],
  },
  {
    name: 'a lifecycle that keeps the record of a connection gone',
    poolClass: KeepsGoneRecordsPool,
    caughtBy: ['one-registry'],
  },
];

/**
 * A validation that ignores close(): the connection it checked is granted after close() began, or
 * after close() revoked it (the pool before it checked `closing` once the check answered).
 */
class ValidateThroughCloseHousekeeping extends Housekeeping {
  override async validated(
    entry: Entry,
    mode: LeaseMode,
    options: AcquireOptions | undefined,
    stack: string | undefined,
  ): Promise<Lease> {
    const { rt } = this;
    rt.bag.reserve(entry);
    try {
      await validateConnection(entry.conn);
    } catch (err) {
      rt.lifecycle.fail(entry, err instanceof Error ? err : new Error(String(err)));
      return rt.lending.acquire(options, stack);
    }
    return rt.lending.grant(entry, mode, rt.options.scheduler.now(), performance.now(), stack);
  }
}
export const ValidateThroughClosePool = withParts({ housekeeping: ValidateThroughCloseHousekeeping });
