import { auditTime, Subject, type SchedulerLike, type Subscription } from 'rxjs';

/** What the log watch needs from the pool; the size and the restart are the driver's maintenance. */
export interface LogWatchHost {
  /** The log's size in frames, read on the write lane. */
  logSize(): Promise<number>;
  /** Restarts the log on the write lane; `restarted: false` when a reader still used it. */
  restartLog(): Promise<{ restarted: boolean; size: number }>;
  /** True while no read lease is out: a gap in which a restart cannot be starved. */
  readersIdle(): boolean;
  /** The log crossed the threshold (`cleared: false`) or was restarted (`cleared: true`). */
  alert(cleared: boolean, frames: number): void;
}

/**
 * Checkpoint starvation guard (the WAL_STARVATION alert). SQLite's automatic checkpoints copy the
 * WAL back into the database but can only restart the WAL from the top when no reader still uses
 * it; with readers always overlapping, the WAL grows without bound. After writes (at most once per
 * `checkEveryMs`) this asks the driver how far the log has grown; past `thresholdFrames` it waits
 * for a reader gap and has the driver restart the log through the write lane.
 *
 * @example
 * ```ts
 * const watch = new LogWatch(host, { thresholdFrames: 10_000, checkEveryMs: 1000, scheduler });
 * watch.wrote();        // after each write lease
 * watch.readerGap();    // when the last read lease comes back
 * ```
 */
export class LogWatch {
  private readonly writes = new Subject<void>();
  private readonly subscription: Subscription;
  private pending = false;
  private running = false;

  constructor(
    private readonly host: LogWatchHost,
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
    const frames = await this.host.logSize().catch(() => 0);
    this.running = false;
    if (frames < this.options.thresholdFrames || this.pending) return;
    this.pending = true;
    this.host.alert(false, frames);
    if (this.host.readersIdle()) await this.restart();
  }

  private async restart(): Promise<void> {
    this.running = true;
    const after = await this.host.restartLog().catch(() => undefined);
    this.running = false;
    // Not restarted: a reader (perhaps in another process) still used the log; try at the next gap.
    if (!after?.restarted) return;
    this.pending = false;
    this.host.alert(true, after.size);
  }
}
