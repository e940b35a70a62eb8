import { availableParallelism } from 'node:os';
import { ThreadLink } from './thread-link.js';
import type { WorkerInput } from './thread-protocol.js';

/** How long `dispose()` lets a thread close its connections before stopping it (ms). */
const EXIT_GRACE_MS = 2000;

/**
 * The reader threads a driver starts when none is asked for: one a core, as readers beyond the
 * core count cannot run in parallel anyway (`os.availableParallelism()`).
 */
export function defaultReaderThreads(): number {
  return availableParallelism();
}

/**
 * A fixed set of worker threads, started when the driver is made so that the first burst does not
 * wait for threads to boot. A thread that dies is started again when next asked for. @internal
 */
export class ThreadHost {
  private readonly slots: (ThreadLink | undefined)[];
  private nextConn = 1;
  private disposed = false;

  constructor(
    private readonly input: WorkerInput,
    size: number,
    /** Told of every thread started, first or again, with its slot. */
    private readonly started: (link: ThreadLink, slot: number) => void = () => {},
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Starts every thread, one after another in `order` (default slot order): a thread loading its
   * code takes a core, so threads booting side by side would delay the first and the main thread.
   * A thread asked for before its turn starts at once.
   */
  start(order: readonly number[] = this.slots.map((_, slot) => slot)): void {
    void (async () => {
      for (const slot of order) {
        if (this.disposed) return;
        try {
          await this.link(slot).booted(false);
        } catch {
          // The thread could not be started (spawn failed): nobody waits on this warm-up, so the
          // failure is told where it matters, to the open that asks for this slot again.
        }
      }
    })();
  }

  /** The live thread in `slot`, started again if it died. */
  link(slot: number): ThreadLink {
    const current = this.slots[slot];
    if (current !== undefined && current.dead === undefined) return current;
    if (this.disposed) throw new Error('the driver was disposed: its threads are closed');
    const link = new ThreadLink(this.input);
    this.slots[slot] = link;
    link.onDeath(() => {
      if (this.slots[slot] === link) this.slots[slot] = undefined;
    });
    this.started(link, slot);
    return link;
  }

  /** Starts every thread not started yet and resolves once all have booted (or ended). */
  async booted(): Promise<void> {
    await Promise.all(this.slots.map((_, slot) => this.link(slot).booted()));
  }

  /** A number for a new connection, unique across this host's threads. */
  connectionNumber(): number {
    return this.nextConn++;
  }

  /**
   * Closes every thread: one still loading its code has opened nothing and stops at once; the
   * others close their connections first, and are stopped if still busy after a grace period.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    const links = this.slots.filter((l): l is ThreadLink => l !== undefined);
    await Promise.all(
      links.map(async (link) => {
        if (!link.isBooted) return link.terminate();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>(
          (resolve) => (timer = setTimeout(() => resolve('late'), EXIT_GRACE_MS)),
        );
        if ((await Promise.race([link.exit(), late])) === 'late') await link.terminate();
        clearTimeout(timer);
      }),
    );
  }

  get closed(): boolean {
    return this.disposed;
  }
}
