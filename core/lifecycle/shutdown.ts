import type { Driver, DriverConnection } from '../driver.js';
import { PoolError } from '../errors/errors.js';
import type { Bag } from '../lending/bag.js';
import type { PoolLifecycleEvent } from '../monitoring/events.js';
import type { ResolvedOptions } from '../options/options.js';
import type { LifecyclePart } from '../pool-runtime.js';
import type { Entry } from '../lending/pool-types.js';
import { warnCloseWaiting, type LeaseHeldAtClose } from '../lending/warnings.js';

/** What closing asks of the rest of the pool, and no more. @internal */
export interface ShutdownHost {
  readonly options: Pick<ResolvedOptions, 'closeTimeoutMs' | 'scheduler'>;
  readonly driver: Pick<Driver, 'dispose' | 'maintenance'>;
  readonly bag: Pick<Bag, 'entries' | 'lanes' | 'summary' | 'untilIdle' | 'writeLane'>;
  readonly lifecycle: Pick<LifecyclePart, 'closeAll'>;
  /** Set here, once: from then on no acquire, open or resize. */
  closing: boolean;
  emit(event: PoolLifecycleEvent): void;
  listening(): boolean;
  hold<T>(work: Promise<T>): Promise<T>;
}

/**
 * Closing: stop lending, reject the waiters, drain the leases (revoking those still held after
 * `closeTimeoutMs`), tidy the database, then close every connection through the supervisor.
 * @internal
 */
export class Shutdown {
  private closing: Promise<void> | undefined;

  constructor(
    protected readonly rt: ShutdownHost,
    /** Stops the pool's own streams and timers once no lease is out. */
    private readonly stopParts: () => void,
    /** Ends `events$` after `pool.closed`. */
    private readonly completeEvents: () => void,
  ) {}

  /** See `Pool.close`: every call gets the same promise. */
  close(): Promise<void> {
    this.closing ??= this.rt.hold(this.shutdown());
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const { rt } = this;
    rt.closing = true;
    this.announce();
    for (const lane of rt.bag.lanes()) lane.queue.rejectAll(new PoolError('POOL_CLOSED'));
    if (rt.bag.summary().leased > 0) await this.drainFor(rt.options.closeTimeoutMs);
    await this.tidyBeforeClose();
    this.stopParts();
    await rt.lifecycle.closeAll();
    await rt.driver.dispose?.();
    rt.emit({ type: 'pool.closed', at: rt.options.scheduler.now() });
    this.completeEvents();
  }

  /** Says, at the start, which leases the close waits for and where they were acquired. */
  private announce(): void {
    const { rt } = this;
    const now = rt.options.scheduler.now();
    const waitingFor: LeaseHeldAtClose[] = [];
    for (const entry of rt.bag.entries()) {
      // The pool's own housekeeping is awaited like any lease, but it is not the user's to answer for.
      if (entry.state !== 'leased' || entry.revoked || entry.ownedByPool === true) continue;
      waitingFor.push({ mode: entry.grantMode, heldMs: now - entry.grantedAt, stack: entry.grantStack });
    }
    rt.emit({ type: 'pool.closing', waitingFor, at: now });
    if (waitingFor.length > 0 && !rt.listening()) warnCloseWaiting(waitingFor, rt.options.closeTimeoutMs);
  }

  /**
   * Waits for the holders, up to `ms`. Then takes their connections back: every lease still held
   * is revoked first, so its holder's next statement (or COMMIT) is refused before it reaches the
   * connection, and only then is the transaction it left open rolled back. Rolling back while the
   * holder could still send would let its next INSERT run, and commit, in autocommit.
   */
  private async drainFor(ms: number): Promise<void> {
    const { rt } = this;
    const idle = rt.bag.untilIdle();
    const timer = rt.options.scheduler.schedule(() => idle.cancel(), ms);
    await idle.done;
    timer.unsubscribe();
    const taken: Entry[] = [];
    for (const entry of rt.bag.entries()) {
      if (entry.state === 'free' || entry.revoked) continue;
      this.revoke(entry, `pool.close() stopped waiting for this lease after closeTimeoutMs (${ms} ms)`);
      taken.push(entry);
    }
    const late = new Error(`pool.close() stopped waiting after closeTimeoutMs (${ms} ms)`);
    for (const entry of taken)
      if (!entry.broken) await this.rollbackIfOpen(entry.conn, late).catch(() => undefined);
  }

  /** Takes `entry` back from its holder: every later call on the lease is refused. */
  protected revoke(entry: Entry, detail: string): void {
    entry.revoked = { detail };
  }

  /**
   * Rolls back the transaction open on `conn`, if any, as the connection itself sees it once the
   * statements already sent are answered. Only the pool calls it, once no holder can send. Past
   * closeTimeoutMs, a connection that still owes answers and can be stopped (a worker thread) is
   * stopped instead: waiting for its statement would leave close() unbounded, and the database
   * rolls back what the lost connection left open.
   */
  private async rollbackIfOpen(conn: DriverConnection, late: Error): Promise<void> {
    const answered = conn.answered?.();
    if (answered !== undefined && conn.abort !== undefined) return conn.abort(late);
    await answered;
    if (conn.inTransaction) await conn.exec('ROLLBACK');
  }

  /** Best effort, as the pool is closing: a vanished or corrupt file must not stop the close. */
  private async tidyBeforeClose(): Promise<void> {
    const { rt } = this;
    // Only a free, healthy writer that is not already closing (one that opened during the close
    // is sent straight to `closing`): a holder past closeTimeoutMs may still be using its lease.
    const writer = [...rt.bag.entries()].find(
      (e) =>
        e.lane === rt.bag.writeLane &&
        !e.broken &&
        e.state === 'free' &&
        e.ref.getSnapshot().value !== 'closing',
    );
    const maintenance = rt.driver.maintenance;
    if (!maintenance || !writer) return;
    try {
      await maintenance.tidy(writer.conn);
    } catch {
      // Closing goes on; the connection's close() checkpoints what it can.
    }
  }
}
