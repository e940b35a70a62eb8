import type { AsyncCommand } from 'fast-check';
import type { ThreadHost } from '../../adapters/drivers/threads/thread-host.js';
import { isPoolError } from '../../core/errors/errors.js';
import type { Pool } from '../../core/pool.js';
import { liveThreads } from '../../test/live-threads.js';

/**
 * The state of a run of the thread-death model (properties/thread-death.ts): what was sent, what
 * was acknowledged, what may or may not have committed, and what broke a promise.
 */
export interface DeathModel {
  /** Ids whose transaction COMMIT was acknowledged: they must be in the file. */
  readonly acked: Set<number>;
  /** Ids whose COMMIT failed with "may or may not": either way is fine. */
  readonly unsure: Set<number>;
  /** Every operation started, settled or not. */
  readonly ops: { settled: boolean; what: string }[];
  readonly violations: string[];
  /** The threads stopped, each resolving once its thread has ended. */
  readonly kills: Promise<unknown>[];
  nextId: number;
}

/** The pool under test and the threads it runs on. */
export interface DeathReal {
  readonly pool: Pool;
  readonly host: ThreadHost;
}

/** Records how an operation settles: a death may cause CONNECTION_LOST, or a failed open. */
export function track<T>(
  m: DeathModel,
  what: string,
  work: Promise<T>,
  onError?: (err: unknown) => void,
): void {
  const op = { settled: false, what };
  m.ops.push(op);
  work.then(
    () => (op.settled = true),
    (err: unknown) => {
      op.settled = true;
      // A thread killed while it opened a connection fails that open: its waiters get
      // CONNECTION_FAILED naming the thread's exit, a typed answer too.
      const lostOpen = isPoolError(err, 'CONNECTION_FAILED') && /worker thread exited/.test(err.message);
      if (!isPoolError(err, 'CONNECTION_LOST') && !lostOpen)
        m.violations.push(`${what} failed with ${String(err)}`);
      onError?.(err);
    },
  );
}

/**
 * Stops one live worker thread for real (`Worker.terminate()`, as a crash or an OOM kill would),
 * after letting `turns` turns of the event loop pass: so the death lands at a random point of the
 * transactions, reads and cursors the other commands left in flight.
 */
export class KillThreadCommand implements AsyncCommand<DeathModel, DeathReal> {
  constructor(
    readonly pick: number,
    readonly turns: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: DeathModel, r: DeathReal): Promise<void> {
    for (let i = 0; i < this.turns; i++) await new Promise((resolve) => setImmediate(resolve));
    const live = liveThreads(r.host);
    const link = live[this.pick % Math.max(1, live.length)];
    if (link !== undefined) m.kills.push(link.terminate());
  }
  toString(): string {
    return `killThread(${this.pick}, after ${this.turns} turns)`;
  }
}
