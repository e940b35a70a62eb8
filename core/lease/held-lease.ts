import type { Lease } from './lease.js';

/** The pool calls that run a callback on a lease. */
export type HoldingCall = 'read' | 'write' | 'transaction';

/** A user callback as the pool receives it. */
export type LeaseCallback<T> = (lease: Lease) => T | Promise<T>;

const HEAD_CHARS = 60;

/**
 * One `pool.write()` or `pool.transaction()` callback's hold on its write lease, as its async
 * context sees it (core/lease/nesting.ts keeps it in an AsyncLocalStorage), or one nested call joined
 * to such a hold. Nested calls made inside the callback queue here and run one at a time, so two
 * of them never interleave their statements on the one connection. Once the callback has settled
 * the hold is closed: calls made later (a fire-and-forget that escaped it) no longer join it.
 * @internal
 */
export class HeldLease {
  /** False once the callback has settled; a closed hold is never joined. */
  open = true;
  readonly depth: number;
  /** The hold that acquired the lease: the outermost pool.write() or pool.transaction(). */
  readonly root: HeldLease;
  #pending = 0;
  // Made by the first nested call: most holds have none, and every write pays for what a hold makes.
  #tail: Promise<void> | undefined;
  #settled: (() => void) | undefined;

  constructor(
    readonly lease: Lease,
    readonly call: HoldingCall,
    /** The callback: named in errors about the hold, as the place it was taken. */
    readonly fn: LeaseCallback<unknown>,
    /** The stack of the call that acquired the lease, when leak detection records stacks. */
    readonly stack: string | undefined,
    readonly parent: HeldLease | undefined,
  ) {
    this.depth = parent === undefined ? 0 : parent.depth + 1;
    this.root = parent === undefined ? this : parent.root;
  }

  /** Runs `work` once the work queued before it has settled (at once when none is queued). */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#pending === 0 ? work() : (this.#tail as Promise<void>).then(work);
    this.#pending++;
    const settled = (this.#settled ??= () => void this.#pending--);
    this.#tail = run.then(settled, settled);
    return run;
  }

  /**
   * Closes the hold and resolves once every call that joined it has settled: the lease stays
   * held, and its transaction open, until then.
   */
  close(): Promise<void> | undefined {
    this.open = false;
    // Closed, nothing more can queue here: the tail is the last joined call.
    return this.#pending === 0 ? undefined : this.#tail;
  }

  /** Where the lease was taken, for an error message: the outer call, its callback, its stack. */
  describe(): string {
    const root = this.root;
    const source = Function.prototype.toString.call(root.fn).replace(/\s+/g, ' ');
    const head = source.length > HEAD_CHARS ? `${source.slice(0, HEAD_CHARS)}...` : source;
    const where =
      root.stack === undefined
        ? 'set leakDetectionThresholdMs to record the stack of that call'
        : `acquired ${root.stack.slice(root.stack.indexOf('\n') + 1).trim()}`;
    return `the outer pool.${root.call}() callback \`${head}\`; ${where}`;
  }
}
