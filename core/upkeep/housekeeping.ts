import { performance } from 'node:perf_hooks';
import { PoolError } from '../errors/errors.js';
import { lifetimeWithJitter, validateConnection } from './health.js';
import { LogWatch } from './log-watch.js';
import type { Lease, LeaseMode } from '../lease/lease.js';
import type { Driver } from '../driver.js';
import type { Bag } from '../lending/bag.js';
import type { PoolLifecycleEvent } from '../monitoring/events.js';
import type { PoolMetrics } from '../monitoring/metrics.js';
import type { ResolvedOptions } from '../options/options.js';
import type { LendingPart, LifecyclePart } from '../pool-runtime.js';
import type { PoolSizing } from '../sizing/pool-sizing.js';
import { WRITE, type AcquireOptions, type Entry } from '../lending/pool-types.js';

/** Runs `fn` on a write lease and releases it (the pool's `write`). @internal */
export type WriteRunner = <T>(fn: (lease: Lease) => T | Promise<T>) => Promise<T>;

/** What housekeeping asks of the rest of the pool, and no more. @internal */
export interface HousekeepingHost {
  readonly options: Pick<ResolvedOptions, 'scheduler' | 'maxLifetimeMs' | 'walCheckpointThresholdFrames'>;
  readonly driver: Pick<Driver, 'maintenance'>;
  readonly bag: Pick<Bag, 'readLane' | 'reserve' | 'putFree' | 'summary'>;
  readonly lending: Pick<LendingPart, 'acquire' | 'grant' | 'unwatch'>;
  readonly lifecycle: Pick<LifecyclePart, 'bounds' | 'demand' | 'fail' | 'open' | 'retire'>;
  readonly sizing: Pick<PoolSizing, 'trimIdle'>;
  readonly metrics: Pick<PoolMetrics, 'waited'>;
  /** Set once close() began. */
  readonly closing: boolean;
  emit(event: PoolLifecycleEvent): void;
}

/**
 * Housekeeping: validation after idle, max lifetime, the log watch (the WAL starvation guard), and
 * `optimize()`, the last two through the driver's maintenance.
 * Each acts on a connection only while no holder has it. @internal
 */
export class Housekeeping {
  private readonly log: LogWatch | undefined;

  constructor(
    protected readonly rt: HousekeepingHost,
    private readonly write: WriteRunner,
  ) {
    const o = rt.options;
    const maintenance = rt.driver.maintenance;
    if (maintenance && o.walCheckpointThresholdFrames > 0) {
      const readLane = rt.bag.readLane;
      this.log = new LogWatch(
        {
          logSize: () => this.own((db) => maintenance.logSize(db)),
          restartLog: () => this.own((db) => maintenance.restartLog(db)),
          readersIdle: () => readLane.free.length === readLane.size,
          alert: (cleared) => this.logAlert(cleared),
        },
        { thresholdFrames: o.walCheckpointThresholdFrames, checkEveryMs: 1000, scheduler: o.scheduler },
      );
    }
  }

  stop(): void {
    this.log?.stop();
  }

  /**
   * Runs the pool's own statement on the write lane, marked as the pool's: close() awaits it
   * without telling the user it waits for their lease, and the leak watch passes it by.
   */
  private async own<T>(fn: (lease: Lease) => Promise<T>): Promise<T> {
    const lease = await this.rt.lending.acquire(WRITE);
    const entry = lease.entry as Entry;
    entry.ownedByPool = true;
    this.rt.lending.unwatch?.(lease);
    try {
      return await fn(lease);
    } finally {
      entry.ownedByPool = false;
      lease.release();
    }
  }

  /** A connection just opened: it is recycled after its (jittered) max lifetime. */
  opened(entry: Entry): void {
    const lifetime = lifetimeWithJitter(this.rt.options.maxLifetimeMs);
    if (lifetime > 0) entry.expiry = this.rt.options.scheduler.schedule(() => this.expire(entry), lifetime);
  }

  /** A write lease came back. */
  wrote(): void {
    this.log?.wrote();
  }

  /** A read lease came back to the bag: if it was the last one out, the log may restart now. */
  readerReturned(): void {
    const lane = this.rt.bag.readLane;
    if (this.log && lane.free.length === lane.size) this.log.readerGap();
  }

  /** Lends `entry` only after it answers; a dead one is failed and the caller acquires again. */
  async validated(
    entry: Entry,
    mode: LeaseMode,
    options: AcquireOptions | undefined,
    stack: string | undefined,
  ): Promise<Lease> {
    const { rt } = this;
    const since = performance.now();
    rt.bag.reserve(entry);
    try {
      await validateConnection(entry.conn);
    } catch (err) {
      rt.lifecycle.fail(entry, err instanceof Error ? err : new Error(String(err)));
      return rt.lending.acquire(options, stack);
    }
    // close() started while the connection answered: this acquire is refused as every waiter was,
    // and the connection goes back for close() to drain (unless close already revoked it: then it
    // is close's to roll back and close, never a holder's).
    if (rt.closing) {
      if (!entry.revoked && entry.state === 'reserved') rt.bag.putFree(entry, rt.options.scheduler.now());
      throw new PoolError('POOL_CLOSED');
    }
    const t = performance.now();
    const now = rt.options.scheduler.now();
    // The caller waited for the validation: its wait is recorded as every grant's is.
    rt.metrics.waited((t - since) * 1e6, now);
    return rt.lending.grant(entry, mode, now, t, stack);
  }

  /** Closes a connection past its lifetime; waiters and `min` get a fresh one. */
  replaceExpired(entry: Entry): void {
    const { rt } = this;
    const role = entry.lane.role;
    rt.lifecycle.retire(entry);
    const at = rt.options.scheduler.now();
    rt.emit({ type: 'connection.replaced', id: entry.ref.id, role, reason: 'max lifetime', at });
    const missing = rt.lifecycle.bounds().min - rt.bag.summary().total;
    if (entry.lane.queue.size > 0) rt.lifecycle.demand(entry.lane);
    else if (missing > 0) rt.lifecycle.open(entry.lane, missing);
  }

  /** See `Pool.optimize`. */
  async optimize(): Promise<void> {
    const { rt } = this;
    const maintenance = rt.driver.maintenance;
    if (maintenance) await this.write((db) => maintenance.optimize(db));
    const { min, max } = rt.lifecycle.bounds();
    const retired = rt.sizing.trimIdle(0);
    if (retired > 0) {
      const at = rt.options.scheduler.now();
      rt.emit({ type: 'pool.resized', min, max, reason: `optimize: closed ${retired} idle`, at });
    }
  }

  private expire(entry: Entry): void {
    entry.expiry = undefined;
    if (entry.state === 'removed' || this.rt.closing) return;
    entry.expired = true;
    if (entry.state === 'free') this.replaceExpired(entry);
  }

  private logAlert(cleared: boolean): void {
    const at = this.rt.options.scheduler.now();
    this.rt.emit({ type: 'pool.alert', code: 'WAL_STARVATION', level: 'warning', cleared, at });
  }
}
