import { auditTime, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { DriverConnection } from '../driver.js';

/**
 * A connection's lifetime with jitter: up to 10% shorter than `maxLifetimeMs`, so connections
 * opened together are not all recycled together. 0 means forever.
 *
 * @example
 * ```ts
 * lifetimeWithJitter(1_800_000); // between 1_620_000 and 1_800_000
 * ```
 */
export function lifetimeWithJitter(maxLifetimeMs: number, random: () => number = Math.random): number {
  return maxLifetimeMs <= 0 ? 0 : Math.round(maxLifetimeMs * (1 - 0.1 * random()));
}

/** Proves a connection still answers before it is lent again after a long idle spell. */
export async function validateConnection(conn: DriverConnection): Promise<void> {
  const row = await conn.get<Record<string, unknown>>('SELECT 1 AS ok');
  if (row?.ok !== 1) throw new Error('validation query returned no row');
  if (conn.inTransaction) throw new Error('connection was left inside a transaction');
}

/** What the WAL watch needs from the pool. */
export interface WalWatchHost {
  /** Runs `sql` on the write lane and returns its row. */
  writeGet(sql: string): Promise<Record<string, unknown> | undefined>;
  /** True while no read lease is out: a gap in which a RESTART checkpoint cannot be starved. */
  readersIdle(): boolean;
  /** The WAL crossed the threshold (`cleared: false`) or was restarted (`cleared: true`). */
  alert(cleared: boolean, frames: number): void;
}

/**
 * Checkpoint starvation guard. SQLite's automatic checkpoints copy the WAL back into the database
 * but can only restart the WAL from the top when no reader still uses it; with readers always
 * overlapping, the WAL grows without bound. After writes (at most once per `checkEveryMs`) this
 * asks SQLite how many frames the WAL holds (`wal_checkpoint(NOOP)`, which copies nothing); past
 * `thresholdFrames` it waits for a reader gap and runs `wal_checkpoint(RESTART)` through the
 * write lane.
 *
 * @example
 * ```ts
 * const wal = new WalWatch(host, { thresholdFrames: 10_000, checkEveryMs: 1000, scheduler });
 * wal.wrote();        // after each write lease
 * wal.readerGap();    // when the last read lease comes back
 * ```
 */
export class WalWatch {
  private readonly writes = new Subject<void>();
  private readonly subscription: Subscription;
  private pending = false;
  private running = false;

  constructor(
    private readonly host: WalWatchHost,
    private readonly options: { thresholdFrames: number; checkEveryMs: number; scheduler: SchedulerLike },
  ) {
    this.subscription = this.writes
      .pipe(auditTime(options.checkEveryMs, options.scheduler))
      .subscribe(() => void this.check());
  }

  /** A write lease came back. */
  wrote(): void {
    // Its own checkpoint statements come back through the write lane too: they must not count.
    if (!this.pending && !this.running) this.writes.next();
  }

  /** The last read lease came back. */
  readerGap(): void {
    if (this.pending && !this.running) void this.restart();
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private async check(): Promise<void> {
    this.running = true;
    // NOOP (SQLite 3.51+) only reports; older versions read it as PASSIVE, which is harmless.
    const row = await this.host.writeGet('PRAGMA wal_checkpoint(NOOP)').catch(() => undefined);
    this.running = false;
    const frames = Number(row?.log ?? 0);
    if (frames < this.options.thresholdFrames || this.pending) return;
    this.pending = true;
    this.host.alert(false, frames);
    if (this.host.readersIdle()) await this.restart();
  }

  private async restart(): Promise<void> {
    this.running = true;
    const row = await this.host.writeGet('PRAGMA wal_checkpoint(RESTART)').catch(() => undefined);
    this.running = false;
    // busy = 1: a reader (perhaps in another process) still used the WAL; try at the next gap.
    if (row === undefined || Number(row.busy) !== 0) return;
    this.pending = false;
    this.host.alert(true, Number(row.log ?? 0));
  }
}
