import { setImmediate } from 'node:timers';
import { Worker } from 'node:worker_threads';
import type { ConnectionRole, Params } from '../../../core/driver.js';
import {
  fromWire,
  packParams,
  restoreRows,
  RemoteFailure,
  type Batch,
  type FromWorker,
  type Op,
  type Replies,
  type ToWorker,
  type WorkerInput,
} from './thread-protocol.js';

/** One request in flight: who asked, and how to answer. @internal */
export interface Request {
  readonly conn: number;
  readonly op: Op;
  readonly sql: string;
  readonly owner: RequestOwner;
  resolve(value: unknown): void;
  /** With a {@link RemoteFailure} when the worker answered with an error. */
  reject(reason: Error | RemoteFailure): void;
}

/** Told of each answer before the caller: the connection's state after it, and its run time. */
export interface RequestOwner {
  settled(req: Request, inTx: boolean, ms: number): void;
}

/** What a link tells the connections it hosts. @internal */
export interface LinkListener {
  opened(): void;
  openFailed(err: Error): void;
  closed(): void;
  /** The thread is gone; `inFlight` are this connection's unanswered requests, not yet rejected. */
  lost(cause: Error, inFlight: Request[]): void;
}

/** Statement texts numbered per thread; past this many, new texts simply cross each time. */
const MAX_NUMBERED = 4096;

function emptyBatch(first: number): Batch {
  return { type: 'batch', first, conns: [], ops: [], sql: [], params: [], arg: [], learn: [] };
}

/**
 * One worker thread and the messages to and from it. Requests from every connection the thread
 * hosts, made in the same turn of the event loop, travel as one message; the worker answers them
 * in order, many replies to a message. An idle thread does not keep the process alive. @internal
 */
export class ThreadLink {
  readonly worker: Worker;
  /** Resolves when the thread has ended, for whatever reason. */
  readonly exited: Promise<void>;
  private readonly booting: Promise<void>;
  private onBoot: () => void = () => {};
  /** True once the thread has loaded its code and serves messages. */
  isBooted = false;
  /** Set once the thread is gone. */
  dead: Error | undefined;
  /** Requests in flight, by id. */
  readonly pending = new Map<number, Request>();
  /** Connections this thread hosts (opening or open), by number. */
  readonly hosted = new Map<number, LinkListener>();
  private nextId = 1;
  private outbox: Batch = emptyBatch(1);
  private flushing = false;
  private readonly numbers = new Map<string, number>();
  private exiting = false;
  /** Opens and closes sent and not yet answered. */
  private awaiting = 0;
  private readonly deathListeners: ((cause: Error) => void)[] = [];

  constructor(input: WorkerInput) {
    const worker = (this.worker = spawnWorker(input));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.booting = new Promise((resolve) => (this.onBoot = resolve));
    void this.exited.then(this.onBoot);
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (err) => this.die(err));
    worker.on('exit', (code) => this.die(new Error(`the worker thread exited with code ${code}`)));
    // A thread started ahead of demand must not keep the process alive, any more than an idle
    // inline connection would; it is referenced while it owes an answer.
    worker.unref();
  }

  /**
   * Resolves once the thread has loaded its code and serves messages, or has ended. With `hold`,
   * the thread is referenced until then: someone waits for it.
   */
  booted(hold = true): Promise<void> {
    if (hold && !this.isBooted && !this.dead) this.worker.ref();
    return this.booting;
  }

  /** Hears once of the thread's end (a crash, `terminate()`, or the exit it was asked for). */
  onDeath(listener: (cause: Error) => void): void {
    this.deathListeners.push(listener);
  }

  /** Asks the thread to open connection `conn`; `listener` hears of it and of its close. */
  open(conn: number, role: ConnectionRole, listener: LinkListener): void {
    const dead = this.dead;
    if (dead) {
      queueMicrotask(() => listener.openFailed(dead));
      return;
    }
    this.hosted.set(conn, listener);
    this.awaiting++;
    this.send({ type: 'open', conn, role });
  }

  close(conn: number): void {
    this.awaiting++;
    this.send({ type: 'close', conn });
  }

  /** Closes every connection and lets the thread end. */
  async exit(): Promise<void> {
    if (!this.dead && !this.exiting) {
      this.exiting = true;
      this.worker.ref();
      this.send({ type: 'exit' });
    }
    await this.exited;
  }

  /** Stops the thread at once, as a crash would. */
  async terminate(): Promise<void> {
    // Referenced until it has stopped: `await pool.close()` must not find an empty event loop.
    this.worker.ref();
    await this.worker.terminate();
  }

  /** Queues one request; it leaves with the others made in this turn. */
  request(req: Request, params: Params | readonly Params[] | undefined, arg?: number): void {
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, req);
    const box = this.outbox;
    box.conns.push(req.conn);
    box.ops.push(req.op);
    box.sql.push(this.number(req.sql, box));
    box.params.push(params === undefined || req.op === 'getMany' ? params : packParams(params));
    box.arg.push(arg);
    if (!this.flushing) {
      this.flushing = true;
      // Not a microtask: Node drains microtasks after each callback, and in a bot each request is
      // its own callback, so a microtask flush sends one request a message. setImmediate gathers
      // the turn's requests: +29% queries/s at 20 workers (bench/round-trip.ts, docs/threads.md).
      setImmediate(this.flush);
    }
  }

  private number(sql: string, box: Batch): string | number {
    let n = this.numbers.get(sql);
    if (n === undefined && this.numbers.size < MAX_NUMBERED) {
      n = this.numbers.size + 1;
      this.numbers.set(sql, n);
      box.learn.push([n, sql]);
    }
    return n ?? sql;
  }

  private readonly flush = (): void => {
    this.flushing = false;
    const batch = this.outbox;
    if (batch.ops.length === 0 || this.dead) return;
    this.outbox = emptyBatch(this.nextId);
    this.worker.postMessage(batch);
  };

  private send(message: ToWorker): void {
    // Whatever was queued this turn goes first: the worker serves messages in order.
    this.flush();
    this.worker.ref();
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'replies') this.answer(message);
    else if (message.type === 'ready') {
      this.isBooted = true;
      this.onBoot();
    } else {
      this.awaiting--;
      const listener = this.hosted.get(message.conn);
      if (message.type === 'opened') listener?.opened();
      else {
        this.hosted.delete(message.conn);
        if (message.type === 'closed') listener?.closed();
        else listener?.openFailed(fromWire(message.error));
      }
    }
    this.settleRef();
  }

  private answer(replies: Replies): void {
    const failed = replies.errors.length > 0 ? new Map(replies.errors) : undefined;
    const { first, values } = replies;
    for (let i = 0; i < values.length; i++) {
      const req = this.pending.get(first + i);
      if (req === undefined) continue;
      this.pending.delete(first + i);
      req.owner.settled(req, replies.inTx[i] as boolean, replies.ms[i] as number);
      const error = failed?.get(i);
      if (error === undefined) req.resolve(restoreRows(req.op, values[i]));
      else req.reject(new RemoteFailure(error));
    }
  }

  /**
   * Referenced while it owes an answer: a request, an open or a close in flight. An exiting
   * thread stays referenced until it ends, so `await pool.close()` keeps the process alive.
   */
  private settleRef(): void {
    if (this.pending.size === 0 && this.awaiting === 0 && !this.exiting && !this.dead) this.worker.unref();
  }

  private die(cause: Error): void {
    if (this.dead) return;
    this.dead = cause;
    const pending = [...this.pending.values()];
    this.pending.clear();
    const hosted = [...this.hosted];
    this.hosted.clear();
    for (const [conn, listener] of hosted)
      listener.lost(
        cause,
        pending.filter((r) => r.conn === conn),
      );
    // Requests of no hosted connection (the connection closed meanwhile) still get an answer.
    const orphans = pending.filter((r) => !hosted.some(([conn]) => conn === r.conn));
    for (const req of orphans) req.reject(cause);
    for (const listener of this.deathListeners) listener(cause);
  }
}

/** The worker body sits next to this file: `.ts` when run from source, `.js` once built. */
function spawnWorker(input: WorkerInput): Worker {
  const here = import.meta.url;
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const body = new URL(`./sqlite-worker${ext}`, here);
  if (ext === '.js') {
    const execArgv = withoutPreloads(process.execArgv);
    if (execArgv.length < process.execArgv.length) {
      try {
        return new Worker(body, { workerData: input, execArgv });
      } catch (err) {
        // Given explicitly, a flag a worker cannot take (--max-old-space-size, --title) throws,
        // where inherited it is dropped: inherit then, preloads and all.
        if ((err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
      }
    }
    return new Worker(body, { workerData: input });
  }
  // A worker does not inherit tsx's loader hooks from the main thread: register them first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(body.href)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}

/** Flags that load code before the entry point, each followed by its module unless given as `--flag=module`. */
const PRELOADS = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);
/** Flags of the main script itself, each followed by its code: never meant for a worker. */
const SCRIPT = new Set(['-e', '--eval', '-p', '--print']);

/**
 * The main thread's flags without its preloads (`--import tsx`, `--require ts-node/register`, an
 * instrumentation hook): a worker inherits them, yet it runs only this package's built JavaScript.
 * Under tsx a thread booted in about 200 ms with them and 80-95 ms without. @internal
 */
export function withoutPreloads(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (PRELOADS.has(arg) || SCRIPT.has(arg)) i++;
    else if (![...PRELOADS, ...SCRIPT].some((flag) => arg.startsWith(`${flag}=`))) kept.push(arg);
  }
  return kept;
}
