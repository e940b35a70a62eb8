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
import { unsendable } from './unsendable.js';

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

/**
 * Told of each answer before the caller: the connection's state after it, and its run time. A
 * request that never reached the worker settles with `inTx` undefined: the state did not change.
 */
export interface RequestOwner {
  settled(req: Request, inTx: boolean | undefined, ms: number): void;
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
    // Nothing thrown in these listeners may escape: it would crash the process (see guarded()).
    worker.on('message', (message: FromWorker) => guarded(() => this.receive(message)));
    worker.on('error', (err) => guarded(() => this.die(err)));
    worker.on('exit', (code) =>
      guarded(() => this.die(new Error(`the worker thread exited with code ${code}`))),
    );
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
    try {
      this.worker.postMessage(batch);
    } catch (err) {
      // In a setImmediate: a throw here would be an uncaught exception, and the batch's callers
      // would wait forever. Those whose parameters do not clone are told why; the rest go again.
      this.resend(batch, err);
    }
  };

  /**
   * A batch failed to send. Each request whose parameters do not clone is rejected with
   * INVALID_ARGUMENT naming the parameter, and crosses as a `skip` so that ids stay in order and
   * the statement texts it taught still arrive; the others are sent as they were. A batch that
   * still fails has no culprit to blame: the thread is stopped, and its connections are lost.
   */
  private resend(batch: Batch, cause: unknown): void {
    for (let i = 0; i < batch.ops.length; i++) {
      const req = this.pending.get(batch.first + i);
      if (req === undefined) continue;
      const error = unsendable(batch.params[i], batch.ops[i] === 'getMany', cause);
      if (error === undefined) continue;
      this.pending.delete(batch.first + i);
      batch.ops[i] = 'skip';
      batch.params[i] = undefined;
      req.owner.settled(req, undefined, 0);
      req.reject(error);
    }
    try {
      this.worker.postMessage(batch);
    } catch (err) {
      this.fail(
        new Error(`a request could not be sent to the worker thread: ${String(err)}`, { cause: err }),
      );
    }
    this.settleRef();
  }

  private send(message: ToWorker): void {
    // Whatever was queued this turn goes first: the worker serves messages in order.
    this.flush();
    this.worker.ref();
    try {
      this.worker.postMessage(message);
    } catch (err) {
      this.fail(
        new Error(`a message could not be sent to the worker thread: ${String(err)}`, { cause: err }),
      );
    }
  }

  /** Ends the thread now and fails what it hosts with `cause`, as if it had crashed. */
  fail(cause: Error): void {
    this.die(cause);
    // A statement already running in SQLite cannot be interrupted: the thread ends once it
    // returns, and must not keep the process alive meanwhile.
    this.worker.unref();
    void this.worker.terminate().catch(() => undefined);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'replies') this.answer(message);
    else if (message.type === 'ready') {
      this.isBooted = true;
      this.onBoot();
    } else if (message.type === 'fault') {
      const { message: text } = message.error;
      process.emitWarning(`roas-pool: a worker thread could not handle a message: ${text}`, {
        type: 'RoasPoolWarning',
        code: 'ROAS_POOL_THREAD_FAULT',
      });
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
      req.owner.settled(req, replies.inTx[i], replies.ms[i] as number);
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
    // Each told on its own: one that throws must not leave the others (and their callers) untold.
    for (const [conn, listener] of hosted)
      guarded(() =>
        listener.lost(
          cause,
          pending.filter((r) => r.conn === conn),
        ),
      );
    // Requests of no hosted connection (the connection closed meanwhile) still get an answer.
    const orphans = pending.filter((r) => !hosted.some(([conn]) => conn === r.conn));
    for (const req of orphans) req.reject(cause);
    for (const listener of this.deathListeners) guarded(() => listener(cause));
  }
}

/**
 * Runs a callback of the worker's event listeners. What it throws is a defect of whoever was being
 * told, and the listener has no caller to hand it to: thrown on, it would end the process. It is
 * reported as a warning instead, and the thread's other work goes on. @internal
 */
export function guarded(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`roas-pool: a worker thread's event handler threw: ${String(err)}`, {
      type: 'RoasPoolWarning',
      code: 'ROAS_POOL_THREAD_HANDLER_THREW',
      detail: err instanceof Error ? err.stack : undefined,
    });
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
