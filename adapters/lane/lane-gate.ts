import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WriteGate, WriteGateStats } from '../../core/driver.js';
import { laneAddress } from './lane-address.js';
import { clearStale, fileIdentity } from './lane-file.js';
import { LaneServer, type LaneLink } from './lane-server.js';
import { SilenceWatch } from './lane-silence.js';

export { SILENT_AFTER_MS } from './lane-silence.js';

/** After the coordinator was unreachable, how long the gate lets the pool in without asking. */
const RETRY_AFTER_MS = 1000;

type State = 'idle' | 'wanting' | 'held';

/**
 * One pool's end of the cross-process write lane (see docs/shards.md). The first pool to use the
 * lane binds its address and hosts the coordinator ({@link LaneServer}); the others connect. When
 * the host dies, the next process to notice binds the address itself, and a process that held the
 * lane says so to the new host (`H`). A gate that cannot reach any coordinator lets the pool in at
 * once and counts a fallback: the database's lock stays the safety net.
 */
export class LaneGate implements WriteGate {
  private socket: LaneLink | undefined;
  private server: LaneServer | undefined;
  private linking: Promise<LaneLink | undefined> | undefined;
  private state: State = 'idle';
  private unguarded = false;
  private entered: (() => void) | undefined;
  private since = 0;
  private retryAt = 0;
  private closed = false;
  private yieldListener: (() => void) | undefined;
  private queuedListener: (() => void) | undefined;
  private leaveListener: (() => void) | undefined;
  private counts = { waits: 0, waitMs: 0, processes: 0, fallbacks: 0 };
  private asked = false;
  /** Whether the coordinator's host hangs (see lane-silence.ts). */
  private readonly silence = new SilenceWatch({
    waiting: () => this.state === 'wanting' && this.socket !== undefined,
    ask: () => this.socket?.write('P'),
    fallBack: () => this.fallBack(),
  });

  /** Whether this process holds the lane (or writes without it): only then may the pool lend its writer. */
  get holding(): boolean {
    return this.state === 'held';
  }

  /** Another process waits; or this process writes without the coordinator, which it can now rejoin. */
  get processes(): number {
    return this.counts.processes;
  }

  get contended(): boolean {
    return this.asked || (this.unguarded && this.socket !== undefined && !this.silence.deaf);
  }

  constructor(private readonly address: string) {
    // Found or hosted while the pool opens its first connection, not on its first write.
    void this.link();
  }

  enter(): Promise<void> {
    this.state = 'wanting';
    this.asked = false;
    this.since = performance.now();
    return new Promise<void>((resolve) => {
      this.entered = resolve;
      // Not (or no longer) linked to a coordinator: write as without a lane, never wait to find one.
      if (this.closed || this.socket === undefined) {
        if (!this.closed && performance.now() >= this.retryAt) void this.link();
        return this.fallBack();
      }
      // Its host hangs: the same, until it answers (see receive).
      if (this.silence.deaf) return this.fallBack();
      this.socket.write('W');
      if (this.server === undefined) this.silence.start();
    });
  }

  leave(): void {
    if (this.state !== 'held') return;
    this.state = 'idle';
    this.asked = false;
    if (!this.unguarded) this.socket?.write('R');
    this.unguarded = false;
    try {
      this.leaveListener?.();
    } catch {
      // A checkpoint that failed (another process checkpoints, the connection closed): SQLite's own
      // checkpoint at the next COMMIT past the threshold still bounds the WAL. Nothing escapes here.
    }
  }

  /**
   * Called each time this process hands the lane over, synchronously: the driver checkpoints then
   * (lane-checkpoints.ts). The pool lends its write connection only while {@link holding}.
   */
  onLeave(listener: () => void): void {
    this.leaveListener = listener;
  }

  onYield(listener: () => void): void {
    this.yieldListener = listener;
  }

  /** Called each time the coordinator says this pool queued behind another process (an observer's hook). */
  onQueued(listener: () => void): void {
    this.queuedListener = listener;
  }

  stats(): WriteGateStats {
    return { ...this.counts, hosting: this.server !== undefined };
  }

  /** Closes the pool's end; a hosted coordinator closes with it and another process takes over. */
  close(): void {
    this.closed = true;
    this.silence.stop();
    this.socket?.destroy();
    this.socket = undefined;
    this.server?.close();
    this.server = undefined;
    if (this.state === 'wanting') this.fallBack();
  }

  private fallBack(): void {
    if (this.state !== 'wanting') return;
    this.counts.fallbacks++;
    this.unguarded = true;
    this.grant();
  }

  private grant(): void {
    this.state = 'held';
    const entered = this.entered;
    this.entered = undefined;
    entered?.();
  }

  private link(): Promise<LaneLink | undefined> {
    if (this.socket !== undefined) return Promise.resolve(this.socket);
    this.linking ??= this.discover()
      .catch(() => undefined)
      .then((link) => {
        if (link === undefined) this.retryAt = performance.now() + RETRY_AFTER_MS;
        // Wrote without the lane while finding it: say so, and the lane is this process's now.
        else if (this.state === 'held' && this.unguarded) {
          this.unguarded = false;
          link.write('H');
        }
        return link;
      })
      .finally(() => (this.linking = undefined));
    return this.linking;
  }

  /** Hosts the coordinator if nobody does, then connects to it; three tries against a dying host. */
  private async discover(): Promise<LaneLink | undefined> {
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      if (this.server === undefined) {
        try {
          const server = await LaneServer.listen(this.address);
          if (this.closed) {
            server.close();
            return undefined;
          }
          this.server = server;
          server.onOrphaned(() => this.stepDown(server));
          this.socket = server.local((message) => this.receive(message));
          return this.socket;
        } catch {
          // EADDRINUSE or EEXIST: another process hosts it. Anything else shows at connect below.
        }
      }
      // The socket file's identity before connecting (macOS; Linux's abstract names have none).
      const file = this.address.startsWith('\0') ? undefined : fileIdentity(this.address);
      try {
        const socket = await connectTo(this.address);
        if (this.closed) {
          socket.destroy();
          return undefined;
        }
        this.attach(socket);
        return socket;
      } catch (err) {
        // A socket file whose host died (Linux's abstract names vanish with their owner): removed
        // if it is still the file that refused, and the next attempt binds the name.
        if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') clearStale(this.address, file);
      }
    }
    return undefined;
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.count = '';
    socket.unref();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.lost(socket));
    socket.on('data', (chunk: Buffer) => this.receive(chunk.toString('latin1')));
  }

  private count = '';

  private receive(bytes: string): void {
    // The host runs again: the next write queues through the lane (contended tells the pool).
    this.silence.heard();
    for (const byte of bytes) {
      if (this.count !== '') {
        if (byte !== ';') this.count += byte;
        else [this.counts.processes, this.count] = [Number(this.count.slice(1)), ''];
      } else if (byte === 'N') this.count = 'N';
      else if (byte === 'G') this.granted();
      // Revoked (held too long while others waited; this process was hung): hand over as when
      // asked to yield. The coordinator ignores the release that follows; until then, SQLite's
      // lock serializes this process's writes with the new holder's.
      else if (byte === 'Y' || byte === 'X') this.yieldAsked();
      else if (byte === 'Q') this.queued();
    }
  }

  private granted(): void {
    if (this.state !== 'wanting') {
      // A grant nobody waits for (after a reconnect, or a hung host's late answer): give it
      // straight back; or, writing on SQLite's lock alone since, take it: the lane is ours again.
      if (this.state === 'idle') this.socket?.write('R');
      else if (this.unguarded && this.socket !== undefined) this.unguarded = false;
      return;
    }
    if (this.counts.waits > 0) this.counts.waitMs += performance.now() - this.since;
    this.grant();
  }

  private queued(): void {
    // Said 'H' (wrote before it found the lane, or held it when its host died), but another
    // process holds it: the claim is refused and this process waits in line. Until it hands over
    // (as when asked to yield: at once if its writer is free, else when its turn runs out), it
    // writes on SQLite's lock alone. Believing it still held the lane, it never heard that others
    // wait (only the holder is told): it kept lending its writer until the coordinator revoked the
    // other holder, a second later.
    if (this.state === 'held' && !this.unguarded) {
      this.unguarded = true;
      return this.yieldAsked();
    }
    this.counts.waits++;
    try {
      this.queuedListener?.();
    } catch {
      // An observer's throw must not escape the socket's data listener.
    }
  }

  private yieldAsked(): void {
    if (this.state !== 'held') return;
    this.asked = true;
    try {
      this.yieldListener?.();
    } catch {
      // The pool's listener does not throw; if it ever did, the lane is handed over at release.
    }
  }

  /**
   * The coordinator this process hosted stepped down: its socket file was removed or replaced, and
   * the processes still to come find another host, or none. Find it, or host it, at once: a
   * process that knows it hosts nobody's lane does not wait for its next write to look.
   */
  private stepDown(server: LaneServer): void {
    if (this.server !== server) return;
    this.server = undefined;
    if (this.socket !== undefined) this.lost(this.socket, true);
  }

  /** The coordinator went away (its host closed or died): find or become the next one. */
  private lost(socket: LaneLink, eager = false): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.silence.forget();
    if (this.closed) return;
    if (this.state === 'idle') return void (eager && this.link());
    // Writing on SQLite's lock alone (its host hung, then died): rejoin at the next host, where
    // link says this process holds the lane ('H').
    if (this.unguarded) return void this.link();
    const was = this.state;
    this.link().then(
      (next) => {
        if (next === undefined) return this.fallBack();
        if (this.state === 'wanting') next.write('W');
        else if (this.state === 'held' && was === 'held') next.write('H');
      },
      () => this.fallBack(),
    );
  }
}

function connectTo(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(address);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** The lane for `filename`, or `undefined` where none is kept (see {@link laneAddress}). */
export function laneGate(filename: string): LaneGate | undefined {
  const address = laneAddress(filename);
  return address === undefined ? undefined : new LaneGate(address);
}
