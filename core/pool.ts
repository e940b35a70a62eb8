import { Observable, Subject, Subscription } from 'rxjs';
import type { Driver } from './driver.js';
import type { PoolAlert } from '../streams/alerts.js';
import { acquireOptionsError, runArgumentsError } from './lease/arguments.js';
import { Bag } from './lending/bag.js';
import { PoolError } from './errors/errors.js';
import type { PoolLifecycleEvent } from './monitoring/events.js';
import { Housekeeping } from './upkeep/housekeeping.js';
import type { LeaseCallback } from './lease/held-lease.js';
import type { Lease } from './lease/lease.js';
import { Lending } from './lending/lending.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { PoolMetrics } from './monitoring/metrics.js';
import { monitorPool } from './monitoring/monitor.js';
import { Nesting } from './lease/nesting.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from './options/options.js';
import type { LendingPart, NestingPart, PoolParts, PoolRuntime } from './pool-runtime.js';
import type { PoolWiring } from './pool-wiring.js';
import { PoolSizing } from './sizing/pool-sizing.js';
import { poolStats } from './monitoring/pool-stats.js';
import { READ, WRITE, type AcquireOptions, type Entry, type RunOptions } from './lending/pool-types.js';
import { Shutdown } from './lifecycle/shutdown.js';
import { emptyCounters, type PoolStats } from './monitoring/stats.js';
import { holdUntilSettled, keepAlive, unrefScheduler } from './time/unref-scheduler.js';
import { writeHolder } from './lease/write-holder.js';
import { warnListenerFailed } from './lending/warnings.js';

export type { AcquireOptions, RunOptions } from './lending/pool-types.js';

const DEFAULT_PARTS: PoolParts = {
  bag: Bag,
  lending: Lending,
  shutdown: Shutdown,
  nesting: Nesting,
  housekeeping: Housekeeping,
};
const runtimes = new WeakMap<Pool, PoolRuntime>();

/**
 * The pool's parts, for the properties and their broken variants (properties/). @internal
 */
export function runtimeOf(pool: Pool): PoolRuntime {
  return runtimes.get(pool) as PoolRuntime;
}

/**
 * The pool: a supervisor actor that owns the connections' lives, and a bag that lends them.
 * Acquire and release never go through a machine event: a free connection is granted at once, and
 * a released one is handed straight to the oldest waiter. Requests that must wait flow through the
 * lane's bounded queue, whose arrivals reach the supervisor as one batched demand event.
 *
 * The parts, one job a file: the bag that lends (core/lending/bag.ts), lending (core/lending/lending.ts),
 * lifecycle (core/lifecycle/lifecycle.ts), housekeeping (core/upkeep/housekeeping.ts), shutdown
 * (core/lifecycle/shutdown.ts) and sizing (core/sizing/pool-sizing.ts). This class is their public face.
 *
 * Create it with `createPool()` (create-pool.ts), which wires the default driver.
 */
export class Pool {
  readonly options: ResolvedOptions;
  readonly driver: Driver;
  /** Lifecycle events: connections opened, failed, closed, replaced; resizes; leaks; alerts. */
  readonly events$: Observable<PoolLifecycleEvent>;
  /** Histograms, errors by code and the sliding window behind `stats()`; see docs/monitoring.md. */
  readonly metrics: PoolMetrics;
  /** `stats()` every `statsIntervalMs`, shared; no timer runs while nobody subscribes. Completes on close. */
  readonly stats$: Observable<PoolStats>;
  /** Alerts fired and cleared by the `alerts` thresholds, checked on every `stats$` snapshot; also sent on `events$`. */
  readonly alerts$: Observable<PoolAlert>;
  readonly #lending: LendingPart;
  readonly #nest: NestingPart;
  readonly #rt: PoolRuntime;

  /** `wiring` brings the default driver and the stats-table writer; `createPool()` passes them. */
  constructor(options: PoolOptions, wiring: PoolWiring);
  /** @internal */
  constructor(options: PoolOptions, wiring: PoolWiring, parts: Partial<PoolParts>);
  constructor(options: PoolOptions, wiring: PoolWiring, parts?: Partial<PoolParts>) {
    const all = { ...DEFAULT_PARTS, ...parts };
    const { bag: BagPart, lending: LendingClass, shutdown: ShutdownPart } = all;
    const o = (this.options = resolveOptions(options, wiring.checks));
    const driver = (this.driver = o.driver ?? wiring.defaultDriver(o));
    const counters = emptyCounters();
    const createdAt = o.scheduler.now();
    let listenerWarned = false;
    const metrics = (this.metrics = new PoolMetrics(counters, o.statsWindowMs, createdAt, (thrown) => {
      const error = new PoolError('LISTENER_FAILED', `a metrics listener threw: ${String(thrown)}`, {
        cause: thrown,
      });
      rt.emit({ type: 'listener.failed', error, at: o.scheduler.now() });
      if (rt.listening() || listenerWarned) return;
      listenerWarned = true;
      warnListenerFailed(error);
    }));
    const events = new Subject<PoolLifecycleEvent>();
    const closed = new Subject<never>();
    // A user's subscription to events$ also runs the alert checks: every alert reaches events$ as
    // `pool.alert`, whether or not anybody subscribes to alerts$ (they share one check).
    this.events$ = new Observable<PoolLifecycleEvent>((subscriber) => {
      const subscription = events.subscribe(subscriber);
      if (!subscription.closed) subscription.add(this.alerts$.subscribe({ error: () => undefined }));
      return subscription;
    });
    const rt = { options: o, driver, counters, metrics, createdAt, closing: false } as PoolRuntime;
    rt.lastFailure = undefined;
    rt.lastWaitMs = 0;
    rt.emit = (event) => {
      metrics.event(event);
      if (events.observed) events.next(event);
    };
    rt.listening = () => events.observed;
    rt.hold = o.scheduler === unrefScheduler ? holdUntilSettled : (work) => work;
    rt.bag = new BagPart({
      scheduler: o.scheduler,
      singleWriter: driver.singleWriter,
      // A waiter's deadline is on an unref'd timer: the wait itself keeps the process up.
      keepAlive: o.scheduler === unrefScheduler ? keepAlive : undefined,
      timeoutError: (role) => {
        counters.timeouts++;
        return new PoolError('ACQUIRE_TIMEOUT', role === 'writer' ? writeHolder(rt) : undefined, {
          state: rt.bag.summary(),
          cause: rt.lastFailure,
        });
      },
      abortError: (signal) => {
        counters.aborted++;
        return new PoolError('ABORTED', undefined, { cause: signal.reason });
      },
    });
    rt.lending = this.#lending = new LendingClass(rt);
    this.#nest = new all.nesting(rt);
    rt.lifecycle = new Lifecycle(rt);
    const subscriptions = rt.bag.lanes().map((lane) => rt.lifecycle.watch(lane));
    rt.housekeeping = new all.housekeeping(rt, (fn) => this.write(fn));
    rt.sizing = new PoolSizing({
      scheduler: o.scheduler,
      singleWriter: driver.singleWriter,
      idleTimeoutMs: o.idleTimeoutMs,
      resizeCooldownMs: o.resizeCooldownMs,
      readLane: rt.bag.readLane,
      bounds: () => rt.lifecycle.bounds(),
      setBounds: (min, max) => rt.lifecycle.setBounds(min, max),
      openReaders: (count) => rt.lifecycle.open(rt.bag.readLane, count),
      lanes: () => rt.bag.lanes(),
      total: () => rt.bag.summary().total,
      closing: () => rt.closing,
      retire: (entry) => rt.lifecycle.retire(entry),
      emit: (event) => rt.emit(event),
    });
    subscriptions.push(
      new Subscription(() => rt.sizing.stop()),
      new Subscription(() => rt.housekeeping.stop()),
      new Subscription(() => rt.lending.stop?.()),
    );
    rt.shutdown = new ShutdownPart(
      rt,
      () => subscriptions.forEach((s) => s.unsubscribe()),
      () => {
        events.complete();
        closed.complete();
      },
    );
    this.#rt = rt;
    runtimes.set(this, rt);
    const monitor = monitorPool(this, o, metrics, closed, (event) => rt.emit(event), wiring.statsTable);
    this.stats$ = monitor.stats$;
    this.alerts$ = monitor.alerts$;
    if (o.min > 0) rt.lifecycle.open(rt.bag.readLane, o.min);
  }

  /**
   * Lends a connection. Resolves at once when one is free; otherwise waits in FIFO order until a
   * holder releases, the deadline passes (ACQUIRE_TIMEOUT), the signal aborts (ABORTED) or the
   * pool closes (POOL_CLOSED). Rejects at once with POOL_EXHAUSTED when `maxWaiting` wait already.
   * Inside a `write()` or `transaction()` callback of this pool, `{ mode: 'write' }` rejects at once
   * with NESTED_ACQUIRE: the write lease it would wait for is the one that callback holds.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    if (options !== undefined && options !== READ && options !== WRITE) {
      const invalid = acquireOptionsError(options);
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if (options?.mode === 'write') {
      const held = this.#nest.current();
      if (held !== undefined) return Promise.reject(this.#nest.nestedAcquire(held));
    }
    return this.#lending.acquire(options);
  }

  /**
   * Runs `fn` on a read lease and always releases it. `fn` may await. Inside a `write()` or
   * `transaction()` callback of this pool it runs on that callback's lease instead, so it sees the
   * transaction's own uncommitted rows.
   */
  read<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    const invalid = runArgumentsError('read', fn, options);
    if (invalid !== undefined) return Promise.reject(invalid);
    const held = this.#nest.current();
    if (held !== undefined) return this.#nest.join(held, 'read', fn, options?.signal);
    return this.#reading(fn, options);
  }

  /**
   * Runs `fn` on the write lane and always releases it. Statements autocommit one by one. Inside a
   * `write()` or `transaction()` callback of this pool it runs on that callback's lease (inside
   * its transaction), after the nested calls queued before it.
   */
  write<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    const invalid = runArgumentsError('write', fn, options);
    if (invalid !== undefined) return Promise.reject(invalid);
    const held = this.#nest.current();
    if (held !== undefined) return this.#nest.join(held, 'write', fn, options?.signal);
    return this.#holding('write', fn, options);
  }

  /**
   * Runs `fn` in a write transaction (`BEGIN IMMEDIATE` on SQLite): COMMIT when it resolves,
   * ROLLBACK and rethrow when it throws. `fn` may await anything between statements; other callers
   * keep reading meanwhile. Inside a `transaction()` callback of this pool it is a SAVEPOINT on the
   * same connection: released when `fn` resolves, rolled back alone when it throws, while the outer
   * transaction goes on; inside a `write()` callback it opens its transaction on that lease.
   *
   * @example
   * ```ts
   * await pool.transaction(async (tx) => {
   *   await tx.run('UPDATE xp SET points = points - 5 WHERE user = ?', ['ann']);
   *   await tx.run('UPDATE xp SET points = points + 5 WHERE user = ?', ['bob']);
   * });
   * ```
   */
  transaction<T>(fn: (tx: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    const invalid = runArgumentsError('transaction', fn, options);
    if (invalid !== undefined) return Promise.reject(invalid);
    const held = this.#nest.current();
    if (held !== undefined) return this.#nest.join(held, 'transaction', fn, options?.signal);
    return this.#holding('transaction', fn, options);
  }

  /**
   * A free reader runs `fn` now, with no acquire promise: a value it returns releases the lease at
   * once, a promise releases it when it settles. Otherwise the lease is acquired, queued if need be.
   */
  #reading<T>(fn: LeaseCallback<T>, options: RunOptions | undefined): Promise<T> {
    const lease = options?.signal === undefined ? this.#lending.grantNow?.('read') : undefined;
    if (lease === undefined) return this.#acquiredReading(fn, options);
    let result: T | PromiseLike<T>;
    let thenable: boolean;
    try {
      result = fn(lease);
      thenable = isThenable(result);
    } catch (err) {
      return released(lease, () => Promise.reject(err as Error));
    }
    if (!thenable) return released(lease, () => Promise.resolve(result));
    return Promise.resolve(result).then(
      (value) => {
        if (!lease.released) lease.release();
        return value;
      },
      (err: unknown) => {
        if (!lease.released) lease.release();
        throw err;
      },
    );
  }

  async #acquiredReading<T>(fn: LeaseCallback<T>, options: RunOptions | undefined): Promise<T> {
    const lease = await this.#lending.acquire(options ? { ...options, mode: 'read' } : READ);
    try {
      return await fn(lease);
    } finally {
      if (!lease.released) lease.release();
    }
  }

  async #holding<T>(
    call: 'write' | 'transaction',
    fn: LeaseCallback<T>,
    options: RunOptions | undefined,
  ): Promise<T> {
    // With acquire stacks recorded from the start, the same stack serves the leak report and
    // nested-call errors. (The default leak watch records none until a first leak: no cost here.)
    const { leakStacks, leakDetectionThresholdMs } = this.options;
    const stack =
      leakStacks && leakDetectionThresholdMs > 0 ? new Error('lease acquired here').stack : undefined;
    const lease = await this.#lending.acquire(options ? { ...options, mode: 'write' } : WRITE, stack);
    const entry = lease.entry as Entry;
    entry.heldByCall = true;
    try {
      return await this.#nest.hold(lease, call, fn, stack);
    } finally {
      entry.heldByCall = false;
      if (!lease.released) lease.release();
    }
  }

  /**
   * Lets the database tidy itself: on SQLite, `PRAGMA optimize` (bounded by `analysis_limit`) and a
   * passive WAL checkpoint, through the write lane so it never contends with a writer; then closes
   * idle readers above `min`. Safe to call at any time.
   */
  optimize(): Promise<void> {
    return this.#rt.housekeeping.optimize();
  }

  /** A snapshot of the pool's connections, waiters and counters. */
  stats(): PoolStats {
    return poolStats(this.#rt);
  }

  /**
   * Stops new acquires, rejects the waiters with POOL_CLOSED, waits for every lease to come back
   * (up to `closeTimeoutMs`, then rolls back the transactions still open), runs `PRAGMA optimize`
   * and `wal_checkpoint(TRUNCATE)` on SQLite, then closes every connection. Safe to call more than
   * once: every call gets the same promise.
   */
  close(): Promise<void> {
    return this.#rt.shutdown.close();
  }

  /**
   * Sets the pool's bounds by hand: `resize(n)` sets `max` (and lowers `min` to fit), or give
   * `{ min, max }`. Growing `min` opens connections now; shrinking `max` below what is open closes
   * idle connections now and leased ones as their holders release them, never from under a holder.
   * Emits `pool.resized` with reason `manual`. Throws INVALID_OPTION synchronously on bad bounds.
   *
   * @example
   * ```ts
   * pool.resize({ min: 2, max: 8 }); // at night
   * ```
   */
  resize(size: number | { min?: number; max?: number }): void {
    if (this.#rt.closing) throw new PoolError('POOL_CLOSED');
    this.#rt.sizing.resize(size);
  }
}

/** Releases `lease` (unless its holder did), then settles as `outcome`, or as release's throw. */
function released<T>(lease: Lease, outcome: () => Promise<T>): Promise<T> {
  try {
    if (!lease.released) lease.release();
  } catch (err) {
    return Promise.reject(err);
  }
  return outcome();
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
