import { AsyncLocalStorage } from 'node:async_hooks';
import { PoolError } from '../errors/errors.js';
import { HeldLease, type HoldingCall, type LeaseCallback } from './held-lease.js';
import type { Lease } from './lease.js';
import type { Driver } from '../driver.js';
import type { Entry } from '../lending/pool-types.js';
import type { NestingPart } from '../pool-runtime.js';
import type { StatementLog } from './statement-log.js';

async function settleIn<T>(held: HeldLease, fn: LeaseCallback<T>): Promise<T> {
  try {
    return await fn(held.lease);
  } finally {
    const joined = held.close();
    if (joined !== undefined) await joined;
  }
}

/** Throws the first statement of a `write()` callback that failed and was never awaited. */
async function unseenWrite(log: StatementLog): Promise<void> {
  if (!log.busy) return;
  await log.settled();
  const unseen = log.takeUnseen('in the pool.write() callback');
  if (unseen !== undefined) throw unseen;
}

/** True while `lease` may still run statements (the pool has not taken it back). */
function usable(lease: Lease): boolean {
  return !lease.released && !lease.revoked;
}

/** What nesting asks of the pool: the SQL that opens a write transaction. @internal */
export interface NestingHost {
  readonly driver: Pick<Driver, 'beginWrite'>;
}

/**
 * Nested work joins the outer lease (Sequelize's CLS transactions, with AsyncLocalStorage): each
 * `pool.write()` and `pool.transaction()` callback runs with its hold on the write lease in its
 * async context, and a pool call made inside it joins that lease instead of waiting for the write
 * lane it already holds. `read()` and `write()` run on the lease; `transaction()` is a SAVEPOINT
 * inside a transaction, or BEGIN on a write lease that has none. `pool.read()` callbacks take no
 * hold: a read lease cannot take nested writes, and they take the write lane as any caller does.
 *
 * The storage is switched off while this pool holds nothing: on Node 20, an enabled
 * AsyncLocalStorage makes every promise of the process pay a hook, reads included. @internal
 */
export class Nesting implements NestingPart {
  readonly #als = new AsyncLocalStorage<HeldLease>();
  #live = 0;
  #idleCheck = false;
  /** Switches the storage off if no hold came back within the turn. */
  readonly #offIfIdle = (): void => {
    this.#idleCheck = false;
    if (this.#live === 0) this.#als.disable();
  };

  constructor(protected readonly rt: NestingHost) {}

  current(): HeldLease | undefined {
    let held = this.#als.getStore();
    // A closed hold's callback has settled, but its parent may still be open: join that.
    while (held !== undefined && !held.open) held = held.parent;
    return held === undefined || held.lease.released ? undefined : held;
  }

  /**
   * Runs an outer `pool.write()` or `pool.transaction()` callback on the lease `acquired` brings,
   * and releases it: what {@link run} does
   * for a nested call, in one async function, as each async function and await of the nested form
   * is a promise and a microtask every writer queues behind. The pool's BEGIN and COMMIT are
   * awaited only when they did not run at once.
   */
  async hold<T>(
    acquired: Promise<Lease>,
    call: HoldingCall,
    fn: LeaseCallback<T>,
    stack?: string,
  ): Promise<T> {
    // Live from the acquire on: writers queued for the write connection wait a turn of the event
    // loop now and then (the turn budget), and the storage stays on across those turns.
    this.#live++;
    let lease: Lease;
    try {
      lease = await acquired;
    } catch (err) {
      this.#ended();
      throw err;
    }
    // Held by this call, not by a lease from acquire(): a write wait's timeout says so.
    const entry = lease.entry as Entry;
    entry.heldByCall = true;
    const held = new HeldLease(lease, call, fn, stack, undefined);
    const transaction = call === 'transaction';
    try {
      const begun = transaction ? lease.execNow(this.rt.driver.beginWrite) : undefined;
      if (begun !== undefined) await begun;
      let result: T;
      try {
        result = await this.#als.run(held, fn, lease);
      } catch (err) {
        const joined = held.close();
        if (joined !== undefined) await joined;
        // A revoked lease is refused; the pool rolls its transaction back itself.
        if (transaction && usable(lease) && lease.inTransaction) await this.undo(lease, undefined);
        throw err;
      }
      // The lease stays held, its transaction open, until the calls that joined it have settled.
      const joined = held.close();
      if (joined !== undefined) await joined;
      const committed = transaction ? lease.execNow('COMMIT') : undefined;
      if (committed !== undefined) await committed;
      // COMMIT checked a transaction's statements; a write() callback's are checked here.
      if (lease.log !== undefined && !transaction) await unseenWrite(lease.log);
      return result;
    } catch (err) {
      // The callback's own error is the one to report; failures it did not see go with it.
      lease.log?.forget();
      throw err;
    } finally {
      this.#ended();
      entry.heldByCall = false;
      if (!lease.released) lease.release();
    }
  }

  /**
   * A hold ended. Stores left on escaped contexts are closed holds, which nobody joins: safe to
   * switch off. Not at once: writers take turns on the one write lease, so the count may fall to 0
   * between two holds, and switching the hooks off and on again each time cost a tenth of a
   * transaction. Off after a turn with no hold, so reads still run without the hooks.
   */
  #ended(): void {
    if (--this.#live === 0 && !this.#idleCheck) {
      this.#idleCheck = true;
      setImmediate(this.#offIfIdle);
    }
  }

  join<T>(held: HeldLease, call: HoldingCall, fn: LeaseCallback<T>, signal?: AbortSignal): Promise<T> {
    if (!usable(held.lease)) return Promise.reject(refusal(held.lease));
    const child = new HeldLease(held.lease, call, fn, undefined, held);
    return held.serialize(() => {
      if (signal?.aborted)
        return Promise.reject(new PoolError('ABORTED', undefined, { cause: signal.reason }));
      return this.run(child, call, fn);
    });
  }

  #inside<T>(held: HeldLease, fn: LeaseCallback<T>): Promise<T> {
    return this.#als.run<Promise<T>, [HeldLease, LeaseCallback<T>]>(held, settleIn, held, fn);
  }

  /** Runs `fn` in `held`'s context: as it is, or inside a transaction or savepoint. */
  protected run<T>(held: HeldLease, call: HoldingCall, fn: LeaseCallback<T>): Promise<T> {
    if (call === 'transaction') return this.transact(held, fn);
    return this.#inside(held, fn);
  }

  /**
   * BEGIN (the driver's `beginWrite`) and COMMIT, or inside an open transaction a SAVEPOINT that is
   * released when `fn` resolves and rolled back alone when it throws: the outer work goes on.
   */
  protected async transact<T>(held: HeldLease, fn: LeaseCallback<T>): Promise<T> {
    const { lease } = held;
    const savepoint =
      held.parent !== undefined && lease.inTransaction ? `roas_nested_${held.depth}` : undefined;
    await lease.exec(savepoint === undefined ? this.rt.driver.beginWrite : `SAVEPOINT ${savepoint}`);
    let result: T;
    try {
      result = await this.#inside(held, fn);
    } catch (err) {
      // A revoked lease is refused; the pool rolls its transaction back itself.
      if (usable(lease) && lease.inTransaction) await this.undo(lease, savepoint);
      throw err;
    }
    await lease.exec(savepoint === undefined ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
    return result;
  }

  /** Rolls back what `fn` did: its transaction, or only its savepoint. */
  protected async undo(lease: Lease, savepoint: string | undefined): Promise<void> {
    if (savepoint === undefined) return lease.exec('ROLLBACK');
    try {
      await lease.exec(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await lease.exec(`RELEASE SAVEPOINT ${savepoint}`);
    } catch (err) {
      // The inner work could not be undone alone (the connection failed, most likely): undo all of
      // it, so that no COMMIT above keeps a part, and tell the outer callback why.
      if (usable(lease) && lease.inTransaction) await lease.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The error of an `acquire({ mode: 'write' })` made inside `held`: it would wait for itself. */
  nestedAcquire(held: HeldLease): PoolError {
    return new PoolError(
      'NESTED_ACQUIRE',
      `acquire({ mode: 'write' }) inside ${held.describe()}; that callback holds this pool's write lease, so this acquire would wait for it until ACQUIRE_TIMEOUT`,
    );
  }
}

/** The lease's own LEASE_REVOKED (or LEASE_RELEASED) error, as its next statement would get. */
function refusal(lease: Lease): unknown {
  try {
    void lease.inTransaction;
  } catch (err) {
    return err;
  }
  return new PoolError('LEASE_RELEASED');
}
