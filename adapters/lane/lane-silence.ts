import { performance } from 'node:perf_hooks';

/**
 * A process waiting for the lane that has heard nothing from the coordinator for this long asks
 * whether it is there (`P`); unanswered as long again, the host is hung (stopped, or its event
 * loop blocked: a dead one closes its sockets) and the process falls back to SQLite's lock. The
 * others stall by at most about twice this, under the second a dead host costs.
 */
export const SILENT_AFTER_MS = 300;

/** What the silence watch needs from its gate. */
export interface SilenceHost {
  /** Whether the gate still waits for the lane through a linked coordinator. */
  waiting(): boolean;
  /** Asks the coordinator whether it is there (`P`). */
  ask(): void;
  /** The coordinator left the question unanswered, or asking failed: let the pool in on SQLite's lock. */
  fallBack(): void;
}

/**
 * Watches a coordinator for silence while its gate waits for the lane: a hung host (stopped, or its
 * event loop blocked) still holds the lane's name, so nobody takes over, and without this watch its
 * waiters would wait until their acquire timeout. Once deaf, the gate writes on SQLite's lock alone
 * until the coordinator is heard again ({@link SilenceWatch.heard}).
 *
 * @example
 * ```ts
 * const watch = new SilenceWatch({ waiting: () => true, ask: () => socket.write('P'), fallBack });
 * watch.start(); // on each wait for the lane
 * watch.heard(); // on each message from the coordinator
 * ```
 */
export class SilenceWatch {
  /** The coordinator left a question unanswered ({@link SILENT_AFTER_MS}): its host hangs. */
  private unanswered = false;
  private heardAt = 0;
  private askedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: SilenceHost) {}

  /** Whether the coordinator left a question unanswered and has not been heard since. */
  get deaf(): boolean {
    return this.unanswered;
  }

  /** The coordinator spoke: its host runs again, if it hung. */
  heard(): void {
    this.heardAt = performance.now();
    this.unanswered = false;
  }

  /** The coordinator is gone (its socket closed): nothing is owed by it any more. */
  forget(): void {
    this.unanswered = false;
  }

  /** The gate starts waiting for the lane: watch from now. */
  start(): void {
    this.listen(0);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /**
   * While the gate waits, checks every {@link SILENT_AFTER_MS} that the coordinator was heard since
   * the last question (`askedAt`, 0: none asked yet), and asks again; unanswered, its host hangs.
   */
  private listen(askedAt: number): void {
    clearTimeout(this.timer);
    this.askedAt = askedAt;
    this.timer = setTimeout(() => {
      if (!this.host.waiting()) return;
      try {
        if (this.askedAt > 0 && this.heardAt < this.askedAt) {
          this.unanswered = true;
          return this.host.fallBack();
        }
        const now = performance.now();
        this.host.ask();
        this.listen(now);
      } catch {
        // A socket's write reports through its 'error' event and the pool's grant does not throw;
        // should either, the pool is let in on SQLite's lock rather than left waiting.
        this.host.fallBack();
      }
    }, SILENT_AFTER_MS);
    this.timer.unref();
  }
}
