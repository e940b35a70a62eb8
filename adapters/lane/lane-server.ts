import type { Server, Socket } from 'node:net';
import { bind, bindFile, ownsFile, releaseFile } from './lane-file.js';
import { LaneQueue, type LaneEffect } from './lane-queue.js';

/**
 * How long a process may keep the lane while others wait before the coordinator gives it to the
 * next one. A live holder hands over within its turn (4 to 16 ms) and one transaction; one that does not
 * is hung (stopped, or its event loop blocked), and would stall every other process. The same
 * bound as a dead host's: others wait about a second at most.
 */
export const REVOKE_AFTER_MS = 1000;

/**
 * How often a host on a socket file (macOS) checks that the file is still its own: removed (a
 * temp-folder cleaner) or replaced (another process took it for stale), nobody can reach this host
 * any more, and it steps down within about this long.
 */
export const FILE_CHECK_MS = 1000;

/** One process at the coordinator: a socket, or the host's own pool, which needs none. */
export interface LaneLink {
  write(message: string): void;
  destroy(): void;
}

/**
 * The coordinator, hosted by whichever pool bound the lane's address first. One byte a message:
 * from a process `W` (wants the lane), `R` (releases it), `H` (holds it already: it reconnected,
 * or wrote before it found the lane), `P` (are you there? from a process that waits long); to a
 * process `G` (granted), `Y` (another process waits: hand over soon), `X` (revoked: held for
 * {@link REVOKE_AFTER_MS} while others waited), `Q` (queued behind another process; after `H`:
 * the claim is refused, another process holds the lane), `A` (here:
 * the answer to `P`), and `N<count>;` (processes connected). A process
 * whose socket closes (it closed its pool, or died: the kernel closes a killed process's sockets)
 * is dropped and its grant passes on at once. The host's own pool talks to the queue directly,
 * without a socket. Every handle is unref'd: the coordinator never keeps its host alive.
 */
export class LaneServer {
  private readonly queue = new LaneQueue<LaneLink>();
  private readonly members = new Set<LaneLink>();
  /** The holder the revocation timer runs for: the lane is held and someone waits. */
  private watched: LaneLink | undefined;
  private revocation: NodeJS.Timeout | undefined;
  private fileCheck: NodeJS.Timeout | undefined;
  private closed = false;
  private orphanedListener: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    /** The socket file and its identity (macOS); `undefined` for an abstract name (Linux). */
    private readonly file?: { path: string; identity: string },
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.unref();
    if (file !== undefined) {
      this.fileCheck = setInterval(() => {
        if (!ownsFile(file.path, file.identity)) this.stepDown();
      }, FILE_CHECK_MS);
      this.fileCheck.unref();
    }
  }

  /**
   * Binds `address`; rejects with the bind's error (EADDRINUSE on an abstract name, EEXIST on a
   * socket file: another process hosts it, or its file is stale).
   */
  static async listen(address: string): Promise<LaneServer> {
    if (!address.startsWith('\0')) {
      const { server, identity } = await bindFile(address);
      return new LaneServer(server, { path: address, identity });
    }
    return new LaneServer(await bind(address));
  }

  /** Called once if this host steps down: its socket file is no longer its own (see {@link FILE_CHECK_MS}). */
  onOrphaned(listener: () => void): void {
    this.orphanedListener = listener;
  }

  /** Its file removed or replaced: closes, leaving the file to whoever has it, and says so. */
  private stepDown(): void {
    this.close();
    try {
      this.orphanedListener?.();
    } catch {
      // The gate's listener does not throw; nothing escapes a timer here.
    }
  }

  /** The host's own pool as a member: `receive` gets the coordinator's messages synchronously. */
  local(receive: (message: string) => void): LaneLink {
    const member: LaneLink = {
      write: (message) => receive(message),
      destroy: () => this.leave(member),
    };
    const link: LaneLink = {
      write: (message) => this.receive(member, message),
      destroy: () => this.leave(member),
    };
    this.join(member);
    return link;
  }

  private accept(socket: Socket): void {
    socket.unref();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.leave(socket));
    socket.on('data', (chunk: Buffer) => this.receive(socket, chunk.toString('latin1')));
    this.join(socket);
  }

  private join(member: LaneLink): void {
    this.members.add(member);
    this.announce();
  }

  private leave(member: LaneLink): void {
    if (!this.members.delete(member)) return;
    this.send(this.queue.drop(member));
    this.announce();
  }

  private receive(member: LaneLink, bytes: string): void {
    for (const byte of bytes) {
      if (byte === 'W') {
        const effects = this.queue.want(member);
        if (this.queue.queue.includes(member)) member.write('Q');
        this.send(effects);
      } else if (byte === 'R') this.send(this.queue.release(member));
      else if (byte === 'H') {
        this.send(this.queue.claim(member));
        // Refused (another process holds the lane): it waits in line, and is told so.
        if (this.queue.queue.includes(member)) member.write('Q');
      } else if (byte === 'P') member.write('A');
    }
  }

  private send(effects: LaneEffect<LaneLink>[]): void {
    for (const { type, to } of effects) to.write(type === 'grant' ? 'G' : type === 'yield' ? 'Y' : 'X');
    this.watch();
  }

  /** Times the holder from the moment someone waits for it, again at each new holder. */
  private watch(): void {
    const holder = this.queue.queue.length > 0 ? this.queue.holder : undefined;
    if (holder === this.watched) return;
    clearTimeout(this.revocation);
    this.watched = holder;
    if (holder === undefined) return;
    this.revocation = setTimeout(() => {
      this.watched = undefined;
      try {
        this.send(this.queue.revoke(holder));
      } catch {
        // A member's write does not throw (a closed socket reports through its 'error' event).
      }
    }, REVOKE_AFTER_MS);
    this.revocation.unref();
  }

  private announce(): void {
    for (const member of this.members) member.write(`N${this.members.size};`);
  }

  /** Stops hosting: every process connected sees its socket close and finds a new host. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.revocation);
    clearInterval(this.fileCheck);
    if (this.file !== undefined) releaseFile(this.file.path, this.file.identity);
    for (const member of [...this.members]) member.destroy();
    this.server.close();
  }
}
