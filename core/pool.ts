import type { Observable } from 'rxjs';
import type { Driver } from './driver.js';
import type { PoolAlert } from '../streams/alerts.js';
import { acquireOptionsError, runArgumentsError } from './lease/arguments.js';
import { composePool } from './compose.js';
import { PoolError } from './errors/errors.js';
import type { PoolLifecycleEvent } from './monitoring/events.js';
import type { LeaseCallback } from './lease/held-lease.js';
import type { Lease } from './lease/lease.js';
import type { PoolMeasures } from './monitoring/metrics.js';
import type { PoolOptions, ResolvedOptions } from './options/options.js';
import type { LendingPart, NestingPart, PoolRuntime } from './pool-runtime.js';
import type { PoolWiring } from './pool-wiring.js';
import { poolStats } from './monitoring/pool-stats.js';
import { READ, WRITE, type AcquireOptions, type RunOptions } from './lending/pool-types.js';
import type { PoolStats } from './monitoring/stats.js';

export type { AcquireOptions, RunOptions } from './lending/pool-types.js';

/**
 * The pool: a supervisor actor that owns the connections' lives, and a bag that lends them.
 * Acquire and release never go through a machine event: a free connection is granted at once, and
 * a released one is handed straight to the oldest waiter. Requests that must wait flow through the
 * lane's bounded queue, whose arrivals reach the supervisor as one batched demand event.
 *
 * The parts, one job a file: the bag that lends (core/lending/bag.ts), lending (core/lending/lending.ts),
 * lifecycle (core/lifecycle/lifecycle.ts), housekeeping (core/upkeep/housekeeping.ts), shutdown
 * (core/lifecycle/shutdown.ts) and sizing (core/sizing/pool-sizing.ts), built by one function
 * (core/compose.ts). This class is their public face.
 *
 * Create it with `createPool()` (create-pool.ts), which wires the default driver.
 */
export class Pool {
  readonly options: ResolvedOptions;
  readonly driver: Driver;
  /** Lifecycle events: connections opened, failed, closed, replaced; resizes; leaks; alerts. */
  readonly events$: Observable<PoolLifecycleEvent>;
  /**
   * A listener of every acquire wait and lease hold (the Prometheus adapter's histograms); the
   * figures themselves are in `stats()`. See docs/monitoring.md.
   */
  readonly metrics: PoolMeasures;
  /** `stats()` every `statsIntervalMs`, shared; no timer runs while nobody subscribes. Completes on close. */
  readonly stats$: Observable<PoolStats>;
  /** Alerts fired and cleared by the `alerts` thresholds, checked on every `stats$` snapshot; also sent on `events$`. */
  readonly alerts$: Observable<PoolAlert>;
  readonly #lending: LendingPart;
  readonly #nest: NestingPart;
  readonly #rt: PoolRuntime;

  /** `wiring` brings the default driver and the stats-table writer; `createPool()` passes them. */
  constructor(options: PoolOptions, wiring: PoolWiring) {
    const { rt, nesting, events$, stats$, alerts$ } = composePool(options, wiring, this);
    this.options = rt.options;
    this.driver = rt.driver;
    this.metrics = rt.metrics;
    this.events$ = events$;
    this.stats$ = stats$;
    this.alerts$ = alerts$;
    this.#lending = rt.lending;
    this.#nest = nesting;
    this.#rt = rt;
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
    // The event loop is due a turn: wait for it holding no reader, then ask again, in one turn and
    // in order with every read that waited. A reader held across the turn (granted now, resolved
    // later) made the next callers queue, and once a queue formed every later read took it.
    if (lease instanceof Promise) return lease.then(() => this.#reading(fn, options));
    // No closure here: the settled paths allocate no context (the async one's is in `releasing`).
    let result: T | PromiseLike<T>;
    let settled: boolean;
    try {
      result = fn(lease);
      // The promise of a statement the lease served in this thread has settled already: the lease
      // goes back now, not a microtask later, so the next caller finds it free (one reader, no
      // queue). Promise.resolve() of that native promise is the promise itself.
      settled = lease.resolvedAtOnce(result) || !isThenable(result);
    } catch (err) {
      return released(lease, err, true);
    }
    return settled ? released(lease, result) : releasing(lease, result as PromiseLike<T>);
  }

  /** A queued read: one `then` on the acquire, where an async function cost an allocation per await. */
  #acquiredReading<T>(fn: LeaseCallback<T>, options: RunOptions | undefined): Promise<T> {
    try {
      return this.#lending
        .acquire(options ? { ...options, mode: 'read' } : READ)
        .then((lease) => readOn(lease, fn));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** One async function per call, the hold's: acquiring is not another promise to chain. */
  #holding<T>(
    call: 'write' | 'transaction',
    fn: LeaseCallback<T>,
    options: RunOptions | undefined,
  ): Promise<T> {
    // With acquire stacks recorded from the start, the same stack serves the leak report and
    // nested-call errors. (The default leak watch records none until a first leak: no cost here.)
    const { leakStacks, leakDetectionThresholdMs } = this.options;
    const stack =
      leakStacks && leakDetectionThresholdMs > 0 ? new Error('lease acquired here').stack : undefined;
    let acquired: Promise<Lease>;
    try {
      acquired = this.#lending.acquire(options ? { ...options, mode: 'write' } : WRITE, stack);
    } catch (err) {
      acquired = Promise.reject(err);
    }
    return this.#nest.hold(acquired, call, fn, stack);
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

/** Releases `lease` (unless its holder did), then settles as `value` (rejects with it when `failed`), or as release's throw. */
function released<T>(lease: Lease, value: unknown, failed = false): Promise<T> {
  try {
    if (!lease.released) lease.release();
  } catch (err) {
    return Promise.reject(err);
  }
  return failed ? Promise.reject(value) : Promise.resolve(value as T | PromiseLike<T>);
}

/** Settles as `result`, releasing `lease` (unless its holder did) first. */
function releasing<T>(lease: Lease, result: PromiseLike<T>): Promise<T> {
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

/**
 * Runs `fn` on a lease a queued read was granted, inside the acquire's `then`: a settled outcome
 * is returned as a value (a promise returned there would cost the caller two more microtasks).
 */
function readOn<T>(lease: Lease, fn: LeaseCallback<T>): T | Promise<T> {
  let result: T | PromiseLike<T>;
  let settled: boolean;
  try {
    result = fn(lease);
    if (lease.resolvedAtOnce(result)) result = lease.resolvedValue as T;
    settled = !isThenable(result);
  } catch (err) {
    if (!lease.released) lease.release();
    throw err;
  }
  if (!settled) return releasing(lease, result as PromiseLike<T>);
  if (!lease.released) lease.release();
  return result as T;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
