import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * Direct hand-overs between the processes on a lane (Linux only: abstract socket names, nothing
 * left on disk). Each process listens at its own name (the lane's address and its pid); a holder
 * the coordinator told who is next connects to that process ahead of time, and at the end of its
 * turn grants it straight (`G`), telling the coordinator only that it did (`D<pid>;`), where the
 * grant went through the coordinator: one wake-up of a third process fewer per hand-over.
 */
export class LanePeers {
  private server: Server | undefined;
  private readonly peers = new Map<number, Socket>();
  private readonly connected = new Set<number>();

  constructor(
    private readonly address: string,
    /** A grant received straight from the previous holder. */
    private readonly granted: () => void,
  ) {}

  /** Whether this system can take direct hand-overs (abstract socket names: Linux). */
  get supported(): boolean {
    return this.address.startsWith('\0');
  }

  /** Listens at this process's own name; resolves true once it can be granted directly. */
  listen(): Promise<boolean> {
    if (!this.supported) return Promise.resolve(false);
    if (this.server !== undefined) return Promise.resolve(this.server.listening);
    const server = createServer((socket) => {
      socket.unref();
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        for (const byte of chunk.toString('latin1')) if (byte === 'G') this.granted();
      });
    });
    this.server = server;
    server.unref();
    return new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(`${this.address}.${process.pid}`, () => {
        // A late error on a bound server (none is expected) must not escape as an exception.
        server.on('error', () => undefined);
        resolve(true);
      });
    });
  }

  /** Connects to `pid` ahead of the hand-over (the coordinator said it is next). */
  prepare(pid: number): void {
    if (!this.supported || this.peers.has(pid)) return;
    const socket = connect(`${this.address}.${pid}`);
    socket.unref();
    this.peers.set(pid, socket);
    socket.on('connect', () => this.connected.add(pid));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.connected.delete(pid);
      if (this.peers.get(pid) === socket) this.peers.delete(pid);
    });
  }

  /** Whether `pid` can be granted straight now (connected to it). */
  ready(pid: number): boolean {
    return this.connected.has(pid) && this.peers.get(pid)?.destroyed === false;
  }

  /** Grants `pid` straight; see {@link ready}. */
  grant(pid: number): void {
    this.peers.get(pid)?.write('G');
  }

  close(): void {
    for (const socket of this.peers.values()) socket.destroy();
    this.peers.clear();
    this.server?.close();
    this.server = undefined;
  }
}
