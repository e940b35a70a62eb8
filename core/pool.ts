import { performance } from 'node:perf_hooks';
import { Subject, Subscription, type Observable } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import type { ConnectionRole, Driver, DriverConnection } from './driver.js';
import { countRole, poolMachine, roleLimit, type ConnectionRef } from '../machines/pool.machine.js';
import { acquireQueue } from '../streams/acquire-queue.js';
import { demandSignal } from '../streams/demand-signal.js';
import { PoolError, type PoolStateSummary } from './errors.js';
import { Lease, type LeaseHost, type LeaseMode } from './lease.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from './options.js';
import { emptyCounters, type PoolCounters, type PoolStats } from './stats.js';
import { xstateClock } from './clock.js';
import { handleStatementError, type StatementErrorContext } from './statement-errors.js';
import type { PoolLifecycleEvent } from './events.js';
import {
  CLOSE_EVENT,
  LEASE_EVENT,
  READ,
  RELEASE_EVENT,
  WRITE,
  type AcquireOptions,
  type Entry,
  type Lane,
  type RunOptions,
  type Waiting,
} from './pool-types.js';

export type { AcquireOptions, RunOptions, Entry, Lane, Waiting } from './pool-types.js';
import { PoolMetrics } from './metrics.js';
import { monitorPool } from './monitor.js';
import type { PoolWiring } from './pool-wiring.js';
import type { PoolAlert } from '../streams/alerts.js';
import { ReconnectBackoff } from './reconnect.js';
import { LeakDetector, type LeakReport } from './leak-detector.js';
import { lifetimeWithJitter, validateConnection, WalWatch } from './health.js';
import { PoolSizing } from './pool-sizing.js';

/**
 * The pool: a supervisor actor that owns the connections' lives, and a runtime that lends them.
 * Acquire and release never go through a machine event: a free connection is granted at once, and
 * a released one is handed straight to the oldest waiter. Requests that must wait flow through the
 * lane's bounded queue, whose arrivals reach the supervisor as one batched demand event.
 *
 * Create it with `createPool()` (create-pool.ts), which wires the default driver.
 */
export class Pool implements LeaseHost {
  readonly options: ResolvedOptions;
  readonly driver: Driver;
  private readonly supervisor: Actor<typeof poolMachine>;
  protected readonly readLane: Lane;
  protected readonly writeLane: Lane;
  private readonly byRef = new Map<ConnectionRef, Entry>();
  private readonly subscriptions: Subscription[] = [];
  private readonly counters: PoolCounters = emptyCounters();
  private readonly events = new Subject<PoolLifecycleEvent>();
  /** Lifecycle events: connections opened, failed, closed, replaced; resizes; leaks; alerts. */
  readonly events$: Observable<PoolLifecycleEvent> = this.events.asObservable();
  /** Histograms, errors by code and the sliding window behind `stats()`; see docs/monitoring.md. */
  readonly metrics: PoolMetrics;
  /** `stats()` every `statsIntervalMs`, shared; no timer runs while nobody subscribes. Completes on close. */
  readonly stats$: Observable<PoolStats>;
  /** Alerts fired and cleared by the `alerts` thresholds, checked on every `stats$` snapshot; also sent on `events$`. */
  readonly alerts$: Observable<PoolAlert>;
  private readonly createdAt: number;
  private lastFailure: Error | undefined;
  private settleScheduled = false;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private readonly backoff: ReconnectBackoff;
  private readonly leaks: LeakDetector<Lease, Entry> | undefined;
  private readonly wal: WalWatch | undefined;
  /** How long the last waiter served had waited (ms): a load signal for the sizer. */
  private lastWaitMs = 0;
  private readonly sizing: PoolSizing;
  private readonly errorContext: StatementErrorContext;

  /** `wiring` brings the default driver and the stats-table writer; `createPool()` passes them. */
  constructor(options: PoolOptions, wiring: PoolWiring) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.createdAt = o.scheduler.now();
    this.metrics = new PoolMetrics(this.counters, o.statsWindowMs, this.createdAt);
    this.backoff = new ReconnectBackoff(o.reconnectBackoffMs, o.reconnectBackoffMaxMs);
    this.driver = o.driver ?? wiring.defaultDriver(o);
    this.errorContext = {
      driver: this.driver,
      scheduler: o.scheduler,
      busyTimeoutMs: o.busyTimeoutMs,
      counters: this.counters,
      summary: () => this.summary(),
      connectionBroke: (error) => (this.lastFailure = error),
    };
    if (this.driver.singleWriter) {
      this.readLane = this.lane('reader');
      this.writeLane = this.lane('writer');
    } else {
      this.readLane = this.writeLane = this.lane('any');
    }
    this.supervisor = createActor(poolMachine, {
      input: {
        driver: this.driver,
        min: o.min,
        max: o.max,
        hooks: {
          opened: (ref, conn) => this.opened(ref, conn),
          failed: (ref, error, wasOpen) => this.failed(ref, error, wasOpen),
          closed: (ref) => {
            const lane = this.forget(ref);
            this.emit({
              type: 'connection.closed',
              id: ref.id,
              role: lane.role,
              at: this.options.scheduler.now(),
            });
          },
        },
      },
      clock: xstateClock(o.scheduler),
      inspect: o.inspect,
    });
    this.supervisor.start();
    const monitor = monitorPool(this, o, this.metrics, this.events, (e) => this.emit(e), wiring.statsTable);
    this.stats$ = monitor.stats$;
    this.alerts$ = monitor.alerts$;
    this.sizing = new PoolSizing({
      scheduler: o.scheduler,
      singleWriter: this.driver.singleWriter,
      idleTimeoutMs: o.idleTimeoutMs,
      resizeCooldownMs: o.resizeCooldownMs,
      readLane: this.readLane,
      bounds: () => this.supervisor.getSnapshot().context,
      setBounds: (min, max) => this.supervisor.send({ type: 'pool.resize', min, max }),
      openReaders: (count) =>
        this.supervisor.send({ type: 'pool.demand', role: this.readLane.role, waiting: count }),
      lanes: () => this.lanes(),
      total: () => this.summary().total,
      closing: () => this.closing !== undefined,
      retire: (entry) => this.retire(entry),
      emit: (event) => this.emit(event),
    });
    this.subscriptions.push(new Subscription(() => this.sizing.stop()));
    if (this.driver.dialect === 'sqlite' && o.walCheckpointThresholdFrames > 0) {
      const wal = (this.wal = new WalWatch(
        {
          writeGet: (sql) => this.write((db) => db.get(sql)),
          readersIdle: () => this.readLane.free.length === this.readLane.entries.size,
          alert: (cleared) => this.walAlert(cleared),
        },
        { thresholdFrames: o.walCheckpointThresholdFrames, checkEveryMs: 1000, scheduler: o.scheduler },
      ));
      this.subscriptions.push(new Subscription(() => wal.stop()));
    }
    if (o.leakDetectionThresholdMs > 0) {
      const leaks = (this.leaks = new LeakDetector<Lease, Entry>({
        thresholdMs: o.leakDetectionThresholdMs,
        scheduler: o.scheduler,
        onLeak: (report) => this.leaked(report),
        onCollected: (entry, report) => {
          this.leaked(report);
          new Lease(this, entry, report.mode as LeaseMode, o.scheduler.now() - report.heldMs).release();
        },
      }));
      // Only with detection on does acquire pay for a stack and a tracking hop.
      const acquire = this.acquire.bind(this);
      this.acquire = (opts) =>
        leaks.watch(acquire(opts), (lease) => ({
          entry: lease.entry as Entry,
          mode: lease.mode,
          grantedAt: lease.grantedAt,
        }));
    }
    if (o.min > 0) this.supervisor.send({ type: 'pool.demand', role: this.readLane.role, waiting: o.min });
  }

  protected lane(role: ConnectionRole): Lane {
    const queue = acquireQueue<Lease, Waiting>({
      scheduler: this.options.scheduler,
      timeoutError: () => {
        this.counters.timeouts++;
        return new PoolError('ACQUIRE_TIMEOUT', undefined, {
          state: this.summary(),
          cause: this.lastFailure,
        });
      },
      abortError: (signal) => {
        this.counters.aborted++;
        return new PoolError('ABORTED', undefined, { cause: signal.reason });
      },
    });
    const lane: Lane = { role, entries: new Set(), free: [], queue };
    // A burst of waiters becomes one supervisor event, sent after the burst's microtasks.
    this.subscriptions.push(
      queue.requests$.pipe(demandSignal(() => this.canGrow(lane))).subscribe(() => this.demand(lane)),
    );
    return lane;
  }

  /**
   * Lends a connection. Resolves at once when one is free; otherwise waits in FIFO order until a
   * holder releases, the deadline passes (ACQUIRE_TIMEOUT), the signal aborts (ABORTED) or the
   * pool closes (POOL_CLOSED). Rejects at once with POOL_EXHAUSTED when `maxWaiting` wait already.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    const mode = options?.mode ?? 'read';
    if (this.closing) return Promise.reject(new PoolError('POOL_CLOSED'));
    const signal = options?.signal;
    // Checked before the free list: a caller that already gave up gets no lease to leak.
    if (signal?.aborted) {
      this.counters.aborted++;
      return Promise.reject(new PoolError('ABORTED', undefined, { cause: signal.reason }));
    }
    const lane = mode === 'write' ? this.writeLane : this.readLane;
    if (lane.queue.size === 0) {
      const entry = lane.free.pop();
      if (entry) {
        const now = this.options.scheduler.now();
        const { validateAfterIdleMs } = this.options;
        if (validateAfterIdleMs > 0 && now - entry.idleSince >= validateAfterIdleMs)
          return this.validated(entry, mode, options);
        // An immediate grant waited 0 ns; the histogram's floor, 1 ns, stands for it.
        this.metrics.waited(1, now);
        return Promise.resolve(this.grant(entry, mode, now, performance.now()));
      }
    }
    if (this.waiting() >= this.options.maxWaiting) {
      this.counters.rejected++;
      return Promise.reject(new PoolError('POOL_EXHAUSTED', undefined, { state: this.summary() }));
    }
    const timeoutMs = options?.timeoutMs ?? this.options.acquireTimeoutMs;
    // Waits are timed with performance.now(), not the injected scheduler: the scheduler drives
    // timers at ms resolution, and most waits last microseconds.
    const waiting: Waiting = { mode, since: performance.now() };
    return lane.queue.enqueue(this.options.scheduler.now() + timeoutMs, waiting, signal);
  }

  /** Runs `fn` on a read lease and always releases it. `fn` may await. */
  read<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return this.using('read', fn, options);
  }

  /** Runs `fn` on the write lane and always releases it. Statements autocommit one by one. */
  write<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return this.using('write', fn, options);
  }

  /**
   * Runs `fn` in a write transaction (`BEGIN IMMEDIATE` on SQLite): COMMIT when it resolves,
   * ROLLBACK and rethrow when it throws. `fn` may await anything between statements; other callers
   * keep reading meanwhile.
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
    return this.using(
      'write',
      async (tx) => {
        await tx.exec(this.driver.beginWrite);
        let result: T;
        try {
          result = await fn(tx);
        } catch (err) {
          // A revoked lease is refused; the pool rolls its transaction back itself.
          if (!tx.released && !tx.revoked && tx.inTransaction) await tx.exec('ROLLBACK');
          throw err;
        }
        await tx.exec('COMMIT');
        return result;
      },
      options,
    );
  }

  private async using<T>(
    mode: LeaseMode,
    fn: (lease: Lease) => T | Promise<T>,
    options: RunOptions | undefined,
  ): Promise<T> {
    const lease = await this.acquire(options ? { ...options, mode } : mode === 'read' ? READ : WRITE);
    try {
      return await fn(lease);
    } finally {
      if (!lease.released) lease.release();
    }
  }

  /**
   * Lets the database tidy itself: on SQLite, `PRAGMA optimize` (bounded by `analysis_limit`) and a
   * passive WAL checkpoint, through the write lane so it never contends with a writer; then closes
   * idle readers above `min`. Safe to call at any time.
   */
  async optimize(): Promise<void> {
    if (this.driver.dialect === 'sqlite') {
      await this.write(async (db) => {
        await db.exec('PRAGMA analysis_limit = 400; PRAGMA optimize;');
        await db.get('PRAGMA wal_checkpoint(PASSIVE)');
      });
    }
    const { min, max } = this.supervisor.getSnapshot().context;
    const retired = this.sizing.trimIdle(0);
    if (retired > 0) {
      const at = this.options.scheduler.now();
      this.emit({ type: 'pool.resized', min, max, reason: `optimize: closed ${retired} idle`, at });
    }
  }

  /** A snapshot of the pool's connections, waiters and counters. */
  stats(): PoolStats {
    const summary = this.summary();
    let leasedWrite = 0;
    for (const entry of this.writeLane.entries) if (entry.inUse) leasedWrite++;
    const { connections, min, max } = this.supervisor.getSnapshot().context;
    let broken = 0;
    for (const entry of this.byRef.values()) if (entry.broken) broken++;
    const opening =
      countRole(connections, this.readLane.role).opening +
      (this.writeLane === this.readLane ? 0 : countRole(connections, this.writeLane.role).opening);
    const leasedRead = summary.leased - (this.writeLane === this.readLane ? 0 : leasedWrite);
    const now = this.options.scheduler.now();
    return {
      ...summary,
      opening,
      leasedRead,
      leasedWrite: this.writeLane === this.readLane ? 0 : leasedWrite,
      waitingRead: this.readLane.queue.size,
      waitingWrite: this.writeLane === this.readLane ? 0 : this.writeLane.queue.size,
      max,
      min,
      state: this.closing ? 'closed' : 'open',
      ...this.counters,
      at: now,
      uptimeMs: now - this.createdAt,
      connections: {
        opening,
        idle: summary.idle,
        leasedRead,
        leasedWrite: this.writeLane === this.readLane ? 0 : leasedWrite,
        failed: broken,
      },
      ...this.metrics.stats(now),
    };
  }

  private get max(): number {
    return this.supervisor.getSnapshot().context.max;
  }

  private summary(): PoolStateSummary {
    let total = 0;
    let leased = 0;
    for (const lane of this.lanes()) {
      total += lane.entries.size;
      leased += lane.entries.size - lane.free.length;
    }
    return { total, leased, idle: total - leased, waiting: this.waiting() };
  }

  /** Requests waiting in both lanes: `maxWaiting` bounds this sum. */
  private waiting(): number {
    return this.readLane.queue.size + (this.writeLane === this.readLane ? 0 : this.writeLane.queue.size);
  }

  private lanes(): Lane[] {
    return this.writeLane === this.readLane ? [this.readLane] : [this.readLane, this.writeLane];
  }

  /**
   * Stops new acquires, rejects the waiters with POOL_CLOSED, waits for every lease to come back
   * (up to `closeTimeoutMs`, then rolls back the transactions still open), runs `PRAGMA optimize`
   * and `wal_checkpoint(TRUNCATE)` on SQLite, then closes every connection. Safe to call more than
   * once: every call gets the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const lane of this.lanes()) lane.queue.rejectAll(new PoolError('POOL_CLOSED'));
    if (this.summary().leased > 0) await this.drainFor(this.options.closeTimeoutMs);
    await this.tidyBeforeClose();
    for (const s of this.subscriptions) s.unsubscribe();
    await new Promise<void>((resolve) => {
      const sub = this.supervisor.subscribe((snap) => {
        if (snap.status === 'done') {
          sub.unsubscribe();
          resolve();
        }
      });
      this.supervisor.send({ type: 'pool.close' });
    });
    await this.driver.dispose?.();
    this.emit({ type: 'pool.closed', at: this.options.scheduler.now() });
    this.events.complete();
  }

  /**
   * Waits for the holders, up to `ms`. Then takes their connections back: every lease still held
   * is revoked first, so its holder's next statement (or COMMIT) is refused before it reaches the
   * connection, and only then is the transaction it left open rolled back. Rolling back while the
   * holder could still send would let its next INSERT run, and commit, in autocommit.
   */
  private async drainFor(ms: number): Promise<void> {
    let timer: Subscription | undefined;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      timer = this.options.scheduler.schedule(() => resolve(), ms);
    });
    timer?.unsubscribe();
    const taken: Entry[] = [];
    for (const lane of this.lanes()) {
      for (const entry of lane.entries) {
        if (!entry.inUse || entry.revoked) continue;
        this.revoke(entry, `pool.close() stopped waiting for this lease after closeTimeoutMs (${ms} ms)`);
        taken.push(entry);
      }
    }
    for (const entry of taken)
      if (!entry.broken) await this.rollbackIfOpen(entry.conn).catch(() => undefined);
  }

  /** Takes `entry` back from its holder: every later call on the lease is refused. */
  protected revoke(entry: Entry, detail: string): void {
    entry.revoked = { detail };
  }

  /**
   * Rolls back the transaction open on `conn`, if any, as the connection itself sees it once the
   * statements already sent are answered. Only the pool calls it, once no holder can send.
   */
  private async rollbackIfOpen(conn: DriverConnection): Promise<void> {
    await conn.answered?.();
    if (conn.inTransaction) await conn.exec('ROLLBACK');
  }

  /** Best effort, as the pool is closing: a vanished or corrupt file must not stop the close. */
  private async tidyBeforeClose(): Promise<void> {
    // Only a free, healthy writer that is not already closing (one that opened during the close
    // is sent straight to `closing`): a holder past closeTimeoutMs may still be using its lease.
    const writer = [...this.writeLane.entries].find(
      (e) => !e.broken && !e.inUse && e.ref.getSnapshot().value !== 'closing',
    );
    if (this.driver.dialect !== 'sqlite' || !writer) return;
    try {
      await writer.conn.exec('PRAGMA analysis_limit = 400; PRAGMA optimize;');
      await writer.conn.get('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // Closing goes on; the connection's close() checkpoints what it can.
    }
  }

  /** Publishes a lifecycle event; costs nothing when nobody listens. */
  private emit(event: PoolLifecycleEvent): void {
    this.metrics.event(event);
    if (this.events.observed) this.events.next(event);
  }

  // ---- LeaseHost: the hot path -----------------------------------------------------------------

  protected grant(entry: Entry, mode: LeaseMode, now: number, t: number): Lease {
    entry.inUse = true;
    entry.heldSince = t;
    if (entry.settled) {
      entry.settled = false;
      entry.ref.send(LEASE_EVENT);
    }
    this.counters.acquired++;
    return new Lease(this, entry, mode, now);
  }

  /** @internal */
  checkin(lease: Lease): void {
    this.leaks?.released(lease);
    this.counters.released++;
    const entry = lease.entry as Entry;
    // The pool already let this connection go (closed after closeTimeoutMs): nothing to take back.
    if (!this.byRef.has(entry.ref)) return;
    if (this.wal && entry.lane === this.writeLane) this.wal.wrote();
    const t = performance.now();
    this.metrics.held((t - entry.heldSince) * 1e6);
    this.reclaim(entry, t);
  }

  /** Makes a returned connection clean (no transaction, nothing in flight), then hands it on. */
  protected reclaim(entry: Entry, t: number): void {
    if (entry.broken) return this.fail(entry, entry.broken);
    // Taken back by close(), which rolls it back and closes it: never handed on.
    if (entry.revoked) return;
    const conn = entry.conn;
    // Statements the holder sent without awaiting are still in the worker, and `inTransaction`
    // is only its last reply: decide once they are answered, or the next holder's writes could
    // run inside (and be rolled back with) a transaction they opened.
    const answered = conn.answered?.();
    if (answered !== undefined) {
      void answered.then(() => this.reclaim(entry, performance.now()));
      return;
    }
    if (conn.inTransaction) {
      // The holder left a transaction open: roll it back before anyone else sees the connection.
      conn.exec('ROLLBACK').then(
        () => this.handOff(entry, performance.now()),
        (err: unknown) => this.fail(entry, err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    this.handOff(entry, t);
  }

  /** Gives a free connection to the oldest waiter, or back to the free list; `t` is performance.now(). */
  protected handOff(entry: Entry, t: number): void {
    if (entry.expired) return this.replaceExpired(entry);
    if (this.sizing.overfull && this.sizing.retireIfOverfull(entry)) return;
    const waiter = entry.lane.queue.shift();
    if (waiter) {
      const now = this.options.scheduler.now();
      this.metrics.waited((t - waiter.data.since) * 1e6, now);
      this.lastWaitMs = now - waiter.enqueuedAt;
      waiter.resolve(this.grant(entry, waiter.data.mode, now, t));
      return;
    }
    entry.inUse = false;
    entry.idleSince = this.options.scheduler.now();
    entry.lane.free.push(entry);
    if (this.wal && entry.lane === this.readLane && this.readLane.free.length === this.readLane.entries.size)
      this.wal.readerGap();
    if (this.drained && this.summary().leased === 0) this.drained();
    if (!this.settleScheduled) {
      this.settleScheduled = true;
      this.options.scheduler.schedule(() => this.settle());
    }
  }

  /** Tells the machines of connections that stayed free for a whole turn that they are idle. */
  private settle(): void {
    this.settleScheduled = false;
    this.sample();
    for (const lane of this.lanes()) {
      for (const entry of lane.free) {
        if (!entry.settled) {
          entry.settled = true;
          entry.ref.send(RELEASE_EVENT);
        }
      }
    }
  }

  /** @internal */
  doubleRelease(): void {
    this.counters.doubleReleases++;
  }

  /** @internal */
  onError(lease: Lease, err: unknown, retry: () => Promise<unknown>): Promise<unknown> {
    return handleStatementError(this.errorContext, lease.entry as Entry, lease.mode, err, retry).catch(
      (raised: unknown) => {
        this.metrics.raised(raised);
        throw raised;
      },
    );
  }

  // ---- Supervisor hooks: lifecycle ---------------------------------------------------------------

  /** False when every connection the lane may have is open: a saturated pool costs no machine events. */
  private canGrow(lane: Lane): boolean {
    return lane.entries.size < roleLimit(lane.role, this.max);
  }

  private demand(lane: Lane): void {
    if (this.closing || lane.queue.size === 0 || !this.canGrow(lane)) return;
    if (this.backoff.blocked(this.options.scheduler.now())) {
      // Too soon after a failed open to try again: with nothing open to serve them, the waiters
      // get the real cause now rather than a timeout later.
      const { live } = countRole(this.supervisor.getSnapshot().context.connections, lane.role);
      if (live === 0 && lane.entries.size === 0) this.rejectUnopenable(lane, this.lastFailure);
      return;
    }
    this.sample();
    this.supervisor.send({ type: 'pool.demand', role: lane.role, waiting: lane.queue.size });
  }

  private opened(ref: ConnectionRef, conn: DriverConnection): void {
    const role = ref.getSnapshot().context.role;
    const lane = role === this.writeLane.role ? this.writeLane : this.readLane;
    const entry: Entry = {
      ref,
      conn,
      lane,
      inUse: false,
      settled: true,
      broken: undefined,
      revoked: undefined,
      idleSince: this.options.scheduler.now(),
      expired: false,
      expiry: undefined,
      heldSince: 0,
    };
    const lifetime = lifetimeWithJitter(this.options.maxLifetimeMs);
    if (lifetime > 0) entry.expiry = this.options.scheduler.schedule(() => this.expire(entry), lifetime);
    this.backoff.succeeded();
    this.byRef.set(ref, entry);
    lane.entries.add(entry);
    this.counters.created++;
    this.emit({ type: 'connection.opened', id: ref.id, role, at: this.options.scheduler.now() });
    conn.onLost?.((cause) => this.lost(entry, cause));
    if (this.closing) {
      // Free, not leased, while it closes: stats and the drain count only real leases.
      lane.free.push(entry);
      ref.send(CLOSE_EVENT);
      return;
    }
    this.handOff(entry, performance.now());
  }

  /**
   * The driver saw the connection die on its own. A free one is failed (and so replaced) now; a
   * leased one is marked broken and failed when its holder releases it, as after a fatal error.
   */
  private lost(entry: Entry, cause: Error): void {
    if (this.byRef.get(entry.ref) !== entry) return;
    entry.broken ??= cause;
    this.lastFailure = cause;
    if (!entry.inUse) this.fail(entry, cause);
  }

  private fail(entry: Entry, error: Error): void {
    entry.ref.send({ type: 'connection.fail', error });
  }

  private rejectUnopenable(lane: Lane, cause: Error | undefined): void {
    lane.queue.rejectAll(
      new PoolError('CONNECTION_FAILED', `could not open a connection: ${cause?.message ?? 'unknown'}`, {
        cause,
      }),
    );
  }

  private failed(ref: ConnectionRef, error: Error, wasOpen: boolean): void {
    this.lastFailure = error;
    this.counters.failed++;
    if (!wasOpen) this.backoff.failed(this.options.scheduler.now());
    const lane = wasOpen ? this.forget(ref) : this.laneOf(ref);
    this.emit({
      type: 'connection.failed',
      id: ref.id,
      role: lane.role,
      error,
      wasOpen,
      at: this.options.scheduler.now(),
    });
    if (this.closing || lane.queue.size === 0) return;
    const { live } = countRole(this.supervisor.getSnapshot().context.connections, lane.role);
    // `live` counts the actor that just failed only while it is still active (its final state
    // usually lands first). When an open failed and nothing else is open or opening, nobody can
    // serve the waiters: reject them with the real cause instead of letting them hang. A failed
    // open is never retried here, so a broken database cannot make the pool spin; a connection
    // that died after opening is replaced (demand below) instead.
    const others = live - (ref.getSnapshot().status === 'active' ? 1 : 0);
    if (!wasOpen && others === 0 && lane.entries.size === 0) return this.rejectUnopenable(lane, error);
    if (wasOpen) this.demand(lane);
  }

  private laneOf(ref: ConnectionRef): Lane {
    return ref.getSnapshot().context.role === this.writeLane.role ? this.writeLane : this.readLane;
  }

  private forget(ref: ConnectionRef): Lane {
    const entry = this.byRef.get(ref);
    const lane = entry?.lane ?? this.laneOf(ref);
    if (!entry) return lane;
    this.byRef.delete(ref);
    entry.expiry?.unsubscribe();
    lane.entries.delete(entry);
    const i = lane.free.indexOf(entry);
    if (i >= 0) lane.free.splice(i, 1);
    this.counters.destroyed++;
    if (this.drained && this.summary().leased === 0) this.drained();
    return lane;
  }

  // ---- Sizing: resize by hand, trim idle readers, retire on return -------------------------------

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
    if (this.closing) throw new PoolError('POOL_CLOSED');
    this.sizing.resize(size);
  }

  /** Takes `entry` out of service and closes it; the supervisor reports it closed. */
  private retire(entry: Entry): void {
    entry.expiry?.unsubscribe();
    const i = entry.lane.free.indexOf(entry);
    if (i >= 0) entry.lane.free.splice(i, 1);
    entry.lane.entries.delete(entry);
    this.byRef.delete(entry.ref);
    this.counters.destroyed++;
    entry.ref.send(CLOSE_EVENT);
    if (this.drained && this.summary().leased === 0) this.drained();
  }

  private leaked(report: LeakReport): void {
    this.emit({ type: 'lease.leaked', ...report, at: this.options.scheduler.now() });
  }

  private sample(): void {
    this.sizing.sample(() => {
      const { total, leased, waiting } = this.summary();
      return { total, leased, waiting, waitMs: this.lastWaitMs };
    });
  }

  // ---- Health: validation after idle, max lifetime, WAL starvation -------------------------------

  /** Lends `entry` only after it answers; a dead one is failed and the caller acquires again. */
  private async validated(
    entry: Entry,
    mode: LeaseMode,
    options: AcquireOptions | undefined,
  ): Promise<Lease> {
    entry.inUse = true;
    try {
      await validateConnection(entry.conn);
    } catch (err) {
      this.fail(entry, err instanceof Error ? err : new Error(String(err)));
      // The prototype's acquire: with leak detection on, the instance's wraps it, and the caller's
      // own wrapped call already tracks whatever lease this resolves to.
      return Pool.prototype.acquire.call(this, options);
    }
    return this.grant(entry, mode, this.options.scheduler.now(), performance.now());
  }

  private expire(entry: Entry): void {
    entry.expiry = undefined;
    if (!this.byRef.has(entry.ref) || this.closing) return;
    entry.expired = true;
    if (!entry.inUse) this.replaceExpired(entry);
  }

  /** Closes a connection past its lifetime; waiters and `min` get a fresh one. */
  private replaceExpired(entry: Entry): void {
    const role = entry.lane.role;
    this.retire(entry);
    const at = this.options.scheduler.now();
    this.emit({ type: 'connection.replaced', id: entry.ref.id, role, reason: 'max lifetime', at });
    const missing = this.supervisor.getSnapshot().context.min - this.summary().total;
    if (entry.lane.queue.size > 0) this.demand(entry.lane);
    else if (missing > 0) this.supervisor.send({ type: 'pool.demand', role, waiting: missing });
  }

  private walAlert(cleared: boolean): void {
    const at = this.options.scheduler.now();
    this.emit({ type: 'pool.alert', code: 'WAL_STARVATION', level: 'warning', cleared, at });
  }
}
