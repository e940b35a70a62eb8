import type Database from 'better-sqlite3';
import type { Params } from '../../../core/driver.js';
import type { ThreadHost } from './thread-host.js';
import type { ThreadLink } from './thread-link.js';
import { ThreadConnection } from './thread-connection.js';

/** Weight of the newest run time in a statement's moving average. */
const ALPHA = 0.25;
/** Statement texts whose run times are kept; past this many, the oldest is forgotten. */
const MAX_LEARNED = 4096;

/** What the router knows of one statement text. */
interface Learned {
  /** Exponentially weighted mean of its run time (ms), inline or in a thread. */
  ms: number;
  /** Whether SQLite says it only reads; asked once, when it first looks worth a thread. */
  readonly?: boolean;
}

/** The kinds of statement that may go to a thread: reads that return rows. */
export type OffloadKind = 'get' | 'all' | 'values' | 'getMany';

/**
 * Learns per statement text how long it runs, and sends the read-only ones whose moving average
 * is at or above `thresholdMs` to the least busy reader thread. Each thread hosts one read-only
 * connection to the same WAL file, opened when the thread starts. @internal
 */
export class OffloadRouter {
  private readonly learned = new Map<string, Learned>();
  /** The shared reader connection of each thread, by slot. */
  private readonly readers: (ThreadConnection | undefined)[];
  /** Statements sent to threads, and those that ran inline. */
  offloaded = 0;
  inline = 0;
  private started = false;

  constructor(
    private readonly host: ThreadHost,
    readonly thresholdMs: number,
  ) {
    this.readers = Array.from({ length: host.size }, () => undefined);
  }

  /** Opens the thread's shared reader; called for every thread the host starts. */
  attach(link: ThreadLink, slot: number): void {
    const reader = new ThreadConnection(link, this.host.connectionNumber(), 'reader', (sql, ms) =>
      this.record(sql, ms),
    );
    // A reader that fails to open is simply not used; the thread is started again on demand.
    reader.ready.catch(() => {});
    this.readers[slot] = reader;
  }

  /** Resolves once every thread's shared reader is open (or has failed to open). */
  async ready(): Promise<void> {
    this.started = true;
    await this.host.booted();
    const readers = this.readers.filter((reader): reader is ThreadConnection => reader !== undefined);
    await Promise.all(readers.map((reader) => reader.ready.catch(() => {})));
  }

  /**
   * Adds one run time of `sql` to its moving average. A sample counts for at most twice the
   * threshold: a heavy statement still crosses it at its first run, while a cheap one that the
   * scheduler happened to pause once (a loaded machine) stays inline.
   */
  record(sql: string, sample: number): void {
    const ms = Math.min(sample, 2 * this.thresholdMs);
    const known = this.learned.get(sql);
    if (known !== undefined) known.ms += ALPHA * (ms - known.ms);
    else {
      if (this.learned.size >= MAX_LEARNED) this.learned.delete(this.learned.keys().next().value as string);
      this.learned.set(sql, { ms });
    }
  }

  /**
   * The thread connection to run `sql` on, or `undefined` to run it inline: it has not been seen
   * yet, is cheap, writes, or no thread is ready. `force` is a caller's `offload` choice.
   */
  pick(sql: string, raw: Database.Database, force: boolean | undefined): ThreadConnection | undefined {
    return this.worth(sql, raw, force) ? this.leastBusy() : undefined;
  }

  /** Whether `sql` should run on a thread, were one ready. */
  worth(sql: string, raw: Database.Database, force: boolean | undefined): boolean {
    if (force === false) return false;
    let known = this.learned.get(sql);
    const worth = known === undefined ? this.thresholdMs === 0 : known.ms >= this.thresholdMs;
    if (force !== true && !worth) return false;
    known ??= { ms: 0 };
    if (known.readonly === undefined) {
      try {
        known.readonly = raw.prepare(sql).readonly;
      } catch {
        known.readonly = false; // it does not prepare: inline raises the error as usual
      }
      if (this.learned.get(sql) === undefined) this.learned.set(sql, known);
    }
    return known.readonly;
  }

  /** Stops every reader thread that still owes answers; see {@link ThreadConnection.abort}. */
  abort(reason: Error): void {
    for (const reader of this.readers) if (reader?.answered() !== undefined) reader.abort(reason);
  }

  /** Sends one read to `reader`. */
  send(
    reader: ThreadConnection,
    kind: OffloadKind,
    sql: string,
    params: Params | undefined,
  ): Promise<unknown> {
    this.offloaded++;
    if (kind === 'getMany') return reader.getMany(sql, params as unknown as readonly Params[]);
    return reader[kind](sql, params);
  }

  /**
   * The reader with the fewest requests in flight. The first read worth a thread starts the
   * threads (a bot of point reads never pays for them); a read sent to a reader still opening waits
   * behind the open, where running it inline would block the event loop meanwhile.
   */
  private leastBusy(): ThreadConnection | undefined {
    if (!this.started) {
      this.started = true;
      this.host.start();
    }
    let best: ThreadConnection | undefined;
    for (let slot = 0; slot < this.readers.length; slot++) {
      const reader = this.readers[slot];
      if (reader === undefined) continue;
      if (reader.link.dead !== undefined) {
        // Its thread died: start it again for the reads to come; this one goes elsewhere. A
        // thread that cannot be started leaves the reads inline.
        if (!this.host.closed) restart(this.host, slot);
        continue;
      }
      if (!reader.accepting) continue;
      if (best === undefined || reader.link.pending.size < best.link.pending.size) best = reader;
    }
    return best;
  }
}

/** Starts the thread of `slot` again; a spawn that fails leaves it for the next read to retry. */
function restart(host: ThreadHost, slot: number): void {
  try {
    host.link(slot);
  } catch {
    // The read runs inline meanwhile: its caller needs no thread, and none is lost.
  }
}
