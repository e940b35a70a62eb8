import { performance } from 'node:perf_hooks';
import { PoolError } from '../errors/errors.js';
import { GateTurns } from './gate-turns.js';
import { LeakDetector, type LeakReport } from './leak-detector.js';
import { LeakSweep } from './leak-sweep.js';
import { Lease, type LeaseHost, type LeaseMode } from '../lease/lease.js';
import type { LendingHost } from './lending-host.js';
import type { AcquireOptions, Entry, Waiting } from './pool-types.js';
import { handleStatementError, type StatementErrorContext } from '../lease/statement-errors.js';
import { TurnBudget } from '../lease/turn-budget.js';
import { unrefScheduler } from '../time/unref-scheduler.js';
import { warnLeak } from './warnings.js';
import type { Waiter } from '../../streams/acquire-queue.js';

// Read once: the getter allocates a number on every call, and it never changes.
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Lending: acquire, grant, release. A free connection is granted at once; a released one is made
 * clean (nothing in flight, no transaction) and handed straight to the oldest waiter, or put back
 * in the bag. No machine event is spent on the way. With `leakDetectionThresholdMs` on, each grant
 * is watched by the leak detector, with the stack of the acquire that asked for it. @internal
 */
export class Lending implements LeaseHost {
  private leaks: LeakDetector<Lease, Entry> | undefined;
  private readonly sweep: LeakSweep | undefined;
  private readonly warned = new Set<string>();
  private readonly errorContext: StatementErrorContext;
  private sampleScheduled = false;
  readonly turns: TurnBudget;
  /** The cross-process write lane, when the driver keeps one (docs/shards.md). */
  private readonly gate: GateTurns | undefined;

  constructor(protected readonly rt: LendingHost) {
    const o = rt.options;
    this.turns = new TurnBudget(o.eventLoopBudgetMs);
    const { writeGate } = rt.driver;
    const writeLane = rt.bag.writeLane;
    if (writeGate !== undefined && writeLane !== rt.bag.readLane)
      this.gate = new GateTurns(
        writeGate,
        () => {
          const entry = rt.bag.takeFree(writeLane);
          if (entry) this.handOffOrFail(entry, performance.now());
        },
        () => writeLane.free.length > 0,
      );
    this.errorContext = {
      driver: rt.driver,
      scheduler: o.scheduler,
      busyTimeoutMs: o.busyTimeoutMs,
      counters: rt.counters,
      summary: () => rt.bag.summary(),
      connectionBroke: (error) => (rt.lastFailure = error),
      hold: (work) => rt.hold(work),
    };
    if (o.leakDetectionThresholdMs > 0) {
      if (o.leakStacks) this.leaks = this.leakDetector();
      this.sweep = new LeakSweep(
        {
          scheduler: o.scheduler,
          entries: () => rt.bag.entries(),
          closing: () => rt.closing,
          onLeak: (entry, heldMs) => {
            // Where this lease was taken is unknown: record every acquire's stack from now on, so
            // the next report can say.
            this.leaks ??= this.leakDetector();
            this.leaked({ mode: entry.grantMode, heldMs, stack: undefined, reclaimed: false });
          },
        },
        o.leakDetectionThresholdMs,
      );
    }
  }

  private leakDetector(): LeakDetector<Lease, Entry> {
    const o = this.rt.options;
    return new LeakDetector<Lease, Entry>({
      thresholdMs: o.leakDetectionThresholdMs,
      scheduler: o.scheduler,
      onLeak: (report) => this.leaked(report),
      onCollected: (entry, report) => {
        this.leaked(report);
        new Lease(this, entry, report.mode as LeaseMode, o.scheduler.now() - report.heldMs).release();
      },
    });
  }

  /** See `Pool.acquire`. `stack` is the first attempt's, when a failed validation retries. */
  acquire(options?: AcquireOptions, stack?: string): Promise<Lease> {
    const { rt } = this;
    const mode = options?.mode ?? 'read';
    if (rt.closing) return Promise.reject(new PoolError('POOL_CLOSED'));
    const signal = options?.signal;
    // Checked before the free list: a caller that already gave up gets no lease to leak.
    if (signal?.aborted) {
      rt.counters.aborted++;
      return Promise.reject(new PoolError('ABORTED', undefined, { cause: signal.reason }));
    }
    // Only with detection on does acquire pay for a stack.
    if (this.leaks) stack ??= new Error('lease acquired here').stack;
    const lane = rt.bag.laneFor(mode);
    const gated = this.gate !== undefined && lane === rt.bag.writeLane;
    if (lane.queue.size === 0 && (!gated || lane.free.length === 0 || this.gate.mayGrant())) {
      const entry = rt.bag.takeFree(lane);
      if (entry) {
        const t = performance.now();
        const now = this.nowAt(t);
        const { validateAfterIdleMs } = rt.options;
        if (validateAfterIdleMs > 0 && now - entry.idleSince >= validateAfterIdleMs)
          return rt.housekeeping.validated(entry, mode, options, stack);
        rt.metrics.waitedNone(now);
        return this.turns.settle(this.grant(entry, mode, now, t, stack));
      }
    }
    if (rt.bag.waiting() >= rt.options.maxWaiting) {
      rt.counters.rejected++;
      return Promise.reject(new PoolError('POOL_EXHAUSTED', undefined, { state: rt.bag.summary() }));
    }
    const timeoutMs = options?.timeoutMs ?? rt.options.acquireTimeoutMs;
    // Waits are timed with performance.now(), not the injected scheduler: the scheduler drives
    // timers at ms resolution, and most waits last microseconds. On the default clock that one
    // reading is the pool clock's too.
    const since = performance.now();
    const now = this.nowAt(since);
    const waiting: Waiting = { mode, since, stack };
    // The queue holds the process open while anyone waits (see the bag's keepAlive).
    const lease = lane.queue.enqueue(now + timeoutMs, waiting, signal, now);
    if (gated) this.gate.ask();
    return lease;
  }

  /**
   * A free connection of `mode`'s lane lent now, with no promise (`pool.read`'s direct path), or
   * undefined, and then `acquire` does it: someone queues, none is free, the free one must be
   * validated first, or the lane is shared with other processes. A promise when the turn budget
   * wants a turn of the event loop: it resolves at that turn, and the caller, holding nothing
   * meanwhile, asks again; so no connection is held, and no queue forms, while the loop turns.
   */
  grantNow(mode: LeaseMode): Lease | Promise<void> | undefined {
    const { rt } = this;
    const lane = rt.bag.laneFor(mode);
    const free = lane.free;
    if (rt.closing || lane.queue.size !== 0 || free.length === 0) return undefined;
    if (this.gate !== undefined && lane === rt.bag.writeLane) return undefined;
    const t = performance.now();
    const now = this.nowAt(t);
    const { validateAfterIdleMs } = rt.options;
    if (validateAfterIdleMs > 0 && now - (free[free.length - 1] as Entry).idleSince >= validateAfterIdleMs)
      return undefined;
    if (this.turns.due()) return this.turns.nextTurn();
    const entry = rt.bag.takeFree(lane) as Entry;
    rt.metrics.waitedNone(now);
    const stack = this.leaks ? new Error('lease acquired here').stack : undefined;
    return this.grant(entry, mode, now, t, stack);
  }

  /** Reads waiting, holding nothing, for the turn {@link grantNow} gave them. */
  turnWaits(): number {
    return this.turns.waiting;
  }

  /** The pool clock at `t`, a performance.now() reading: on the default clock, no second reading. */
  private nowAt(t: number): number {
    const { scheduler } = this.rt.options;
    return scheduler === unrefScheduler ? TIME_ORIGIN + t : scheduler.now();
  }

  /** Lends `entry`; `now` is the pool clock, `t` performance.now(). */
  grant(entry: Entry, mode: LeaseMode, now: number, t: number, stack?: string): Lease {
    this.rt.bag.lend(entry);
    entry.heldSince = t;
    entry.grantedAt = now;
    entry.grantMode = mode;
    entry.grantStack = stack;
    entry.leakReported = false;
    this.rt.counters.acquired++;
    const lease = new Lease(this, entry, mode, now);
    this.leaks?.track(lease, { entry, mode, grantedAt: now }, stack);
    this.sweep?.arm();
    return lease;
  }

  checkin(lease: Lease): void {
    const { rt } = this;
    this.leaks?.released(lease);
    rt.counters.released++;
    const entry = lease.entry as Entry;
    // The pool already let this connection go (closed after closeTimeoutMs): nothing to take back.
    if (entry.state === 'removed') return;
    if (entry.lane === rt.bag.writeLane) rt.housekeeping.wrote();
    const t = performance.now();
    rt.metrics.held((t - entry.heldSince) * 1e6);
    this.reclaim(entry, t);
  }

  /** Makes a returned connection clean (no transaction, nothing in flight), then hands it on. */
  protected reclaim(entry: Entry, t: number): void {
    if (entry.broken) return this.rt.lifecycle.fail(entry, entry.broken);
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
        () => this.resetThenHandOff(entry, performance.now()),
        (err: unknown) => this.rt.lifecycle.fail(entry, err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    this.resetThenHandOff(entry, t);
  }

  /** The next holder starts from a clean session: the driver undoes what this one changed, if anything. */
  private resetThenHandOff(entry: Entry, t: number): void {
    const reset = entry.conn.resetSession?.();
    if (reset === undefined) return this.handOff(entry, t);
    reset.then(
      () => this.handOffOrFail(entry, performance.now()),
      (err: unknown) => this.rt.lifecycle.fail(entry, err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Gives a clean connection to the oldest waiter, or back to the bag; `t` is performance.now(). */
  handOff(entry: Entry, t: number): void {
    const { rt } = this;
    if (entry.expired) return rt.housekeeping.replaceExpired(entry);
    if (rt.sizing.overfull && rt.sizing.retireIfOverfull(entry)) return;
    if (this.gate !== undefined && entry.lane === rt.bag.writeLane) {
      const pass = this.gate.pass(entry.lane.queue.size > 0);
      // Another process's turn on the shared write lane: this connection waits for it to come back.
      if (pass === 'put') return rt.bag.putFree(entry, rt.options.scheduler.now());
      if (pass === 'later') return void setImmediate(handOffLater, this, entry, t);
    }
    const now = this.nowAt(t);
    const waiter = rt.bag.nextWaiter(entry.lane);
    if (waiter) {
      rt.metrics.waited((t - waiter.data.since) * 1e6, now);
      rt.lastWaitMs = now - waiter.enqueuedAt;
      const lease = this.grant(entry, waiter.data.mode, now, t, waiter.data.stack);
      // A hand-off is a microtask too: callers taking turns on the write connection, or on
      // fewer readers (they open by need), would never let the event loop turn. Out of the
      // queue, the waiter can wait for a turn.
      // (Arguments, not a closure: a closure here made every hand-off allocate its context.)
      if (this.turns.due()) setImmediate(resolveLater, waiter, lease);
      else waiter.resolve(lease);
      return;
    }
    rt.bag.putFree(entry, now);
    if (entry.lane === rt.bag.readLane) rt.housekeeping.readerReturned();
    // The sizer samples the load once a turn, not once a release.
    if (!this.sampleScheduled) {
      this.sampleScheduled = true;
      rt.options.scheduler.schedule(() => {
        this.sampleScheduled = false;
        rt.lifecycle.sample();
      });
    }
  }

  /**
   * {@link handOff} from a timer or the lane's grant, where an exception would escape the pool
   * (a driver's gate that throws): the connection fails instead, as when its ROLLBACK does, and the
   * error reaches `connection.failed` and the waiters' timeouts.
   */
  handOffOrFail(entry: Entry, t: number): void {
    try {
      this.handOff(entry, t);
    } catch (err) {
      this.rt.lifecycle.fail(entry, err instanceof Error ? err : new Error(String(err)));
    }
  }

  doubleRelease(): void {
    this.rt.counters.doubleReleases++;
  }

  onError(lease: Lease, err: unknown, retry: () => Promise<unknown>): Promise<unknown> {
    return handleStatementError(this.errorContext, lease.entry as Entry, lease.mode, err, retry).catch(
      (raised: unknown) => {
        this.rt.metrics.raised(raised);
        throw raised;
      },
    );
  }

  /** The pool's own lease (housekeeping): the leak watch is not to report it. */
  unwatch(lease: Lease): void {
    this.leaks?.released(lease);
  }

  /** Stops the leak watch (the pool is closing). */
  stop(): void {
    this.sweep?.stop();
  }

  private leaked(report: LeakReport): void {
    const { rt } = this;
    rt.emit({ type: 'lease.leaked', ...report, at: rt.options.scheduler.now() });
    if (rt.listening()) return;
    // Nobody handles lease.leaked: say it where a developer looks, once per place of acquire.
    const key = report.stack ?? '';
    if (this.warned.has(key) || this.warned.size >= 100) return;
    this.warned.add(key);
    warnLeak(report, rt.options.leakDetectionThresholdMs);
  }
}

function handOffLater(lending: Lending, entry: Entry, t: number): void {
  lending.handOffOrFail(entry, t);
}

function resolveLater(waiter: Waiter<Lease, Waiting>, lease: Lease): void {
  waiter.resolve(lease);
}
