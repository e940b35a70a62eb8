import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';

/** One request waiting for a connection, with what the caller asked for (`data`). */
export interface Waiter<T, D = unknown> {
  readonly enqueuedAt: number;
  readonly deadline: number;
  readonly data: D;
  settled: boolean;
  resolve(value: T): void;
  reject(error: Error): void;
}

export interface AcquireQueueOptions {
  scheduler: SchedulerLike;
  /** The error for a waiter whose deadline passed (built when it expires, with the pool's counts). */
  timeoutError(waiter: Waiter<unknown, unknown>): Error;
  /** The error for a waiter whose AbortSignal fired. */
  abortError(signal: AbortSignal): Error;
  /**
   * Holds the process open while anyone waits (the deadline timer may not): called when the first
   * waiter arrives; what it returns is called when the last one leaves. One hold for any number.
   */
  keepAlive?: () => () => void;
}

/** The bounded FIFO wait queue of one lane, with deadlines and aborts; see {@link acquireQueue}. */
export interface AcquireQueue<T, D = undefined> {
  /** Live waiters. */
  readonly size: number;
  /** Every enqueued request, as the number waiting after it arrived: the supervisor's demand signal. */
  readonly requests$: Observable<number>;
  /**
   * Queues a request; the promise settles exactly once: granted, timed out, aborted or rejected.
   * `now` is the scheduler's time, when the caller has just read it.
   */
  enqueue(deadline: number, data: D, signal?: AbortSignal, now?: number): Promise<T>;
  /** Removes and returns the oldest live waiter, for a direct handoff. */
  shift(): Waiter<T, D> | undefined;
  /** Rejects every waiter (pool closed, database unreachable). */
  rejectAll(error: Error): void;
}

interface Entry<T, D> extends Waiter<T, D> {
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Creates one lane's wait queue (the pool bounds the total it lets in). Deadlines share one timer armed for the earliest deadline, so a
 * burst of waiters costs one timer, not one each. Settled entries are skipped lazily; the
 * expiry sweep drops them and aborts compact the array once they dominate it, so a storm of
 * timeouts or aborts leaves nothing reachable, and every operation but the sweep is amortised O(1).
 *
 * @example
 * ```ts
 * const queue = acquireQueue<Lease>({ scheduler: asyncScheduler, timeoutError, abortError });
 * const lease = await queue.enqueue(asyncScheduler.now() + 5000, undefined, signal);
 * ```
 */
export function acquireQueue<T, D = undefined>(options: AcquireQueueOptions): AcquireQueue<T, D> {
  const { scheduler } = options;
  // Who hears of arrivals. Not a Subject: its next() allocates a closure and an iterator on every
  // arrival. The array is replaced, never changed in place, so a listener may leave mid-emit.
  let listeners: readonly Subscriber<number>[] = [];
  const requests$ = new Observable<number>((subscriber) => {
    listeners = [...listeners, subscriber];
    return () => {
      listeners = listeners.filter((s) => s !== subscriber);
    };
  });
  let items: Entry<T, D>[] = [];
  let head = 0;
  /** Settled (aborted) entries still in `items` past `head`: compacted away once they dominate. */
  let dead = 0;
  let timer: Subscription | undefined;
  let armedFor = Infinity;
  let letGo: (() => void) | undefined;

  function settle(entry: Entry<T, D>): void {
    entry.settled = true;
    if (--queue.size === 0 && letGo !== undefined) {
      letGo();
      letGo = undefined;
    }
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    // The last waiter left: the deadline timer stays armed. In a busy pool the queue empties and
    // fills again on every release, and a timer made and cleared each time cost more than the
    // hand-off itself; armed for nobody, it fires once, finds no one and arms nothing.
    // `rejectAll` (close) disarms it.
  }

  function disarm(): void {
    timer?.unsubscribe();
    timer = undefined;
    armedFor = Infinity;
  }

  function arm(deadline: number): void {
    timer?.unsubscribe();
    armedFor = deadline;
    timer = scheduler.schedule(sweep, Math.max(0, deadline - scheduler.now()));
  }

  /**
   * Expires the waiters past their deadline. It visits every entry anyway, so it also rebuilds the
   * array with the live ones only: a storm of timeouts must not leave its settled waiters (and the
   * promises' callbacks they hold) reachable until the next shift, which may never come.
   */
  function sweep(): void {
    timer = undefined;
    armedFor = Infinity;
    const now = scheduler.now();
    let next = Infinity;
    const kept: Entry<T, D>[] = [];
    const expired: Entry<T, D>[] = [];
    for (let i = head; i < items.length; i++) {
      const entry = items[i] as Entry<T, D>;
      if (entry.settled) continue;
      if (entry.deadline <= now) expired.push(entry);
      else {
        kept.push(entry);
        if (entry.deadline < next) next = entry.deadline;
      }
    }
    items = kept;
    head = 0;
    dead = 0;
    for (const entry of expired) {
      settle(entry);
      entry.reject(options.timeoutError(entry));
    }
    if (next !== Infinity && timer === undefined) arm(next);
  }

  function compact(): void {
    if (dead > 1024 && dead * 2 > items.length - head) {
      items = items.slice(head).filter((entry) => !entry.settled);
      head = 0;
      dead = 0;
    } else if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
  }

  /** Takes a queued `entry` out of line before its turn (aborted, or refused as it arrived). */
  function withdraw(entry: Entry<T, D>): void {
    settle(entry);
    dead++;
    compact();
  }

  /** Settles `entry` with ABORTED when `signal` fires first. */
  function listen(entry: Entry<T, D>, signal: AbortSignal): void {
    entry.onAbort = () => {
      if (entry.settled) return;
      withdraw(entry);
      entry.reject(options.abortError(signal));
    };
    signal.addEventListener('abort', entry.onAbort, { once: true });
  }

  // `size`, the live waiters, is a data property the queue counts in. A getter (in the literal, or
  // defined on each queue with its own closure) left every queue's properties in V8's dictionary
  // mode (Node 20, 22 and 24 alike), and each `size`, `shift` and `enqueue` on the pool's hot path
  // took the generic lookup: an uncontended acquire+release cost about an eighth more
  // (bench/ab-cycle.ts).
  const queue: { -readonly [K in keyof AcquireQueue<T, D>]: AcquireQueue<T, D>[K] } = {
    size: 0,
    requests$,
    enqueue(deadline, data, signal, now) {
      const entry: Entry<T, D> = {
        enqueuedAt: now ?? scheduler.now(),
        deadline,
        data,
        settled: false,
        resolve: settledAlready,
        reject: settledAlready,
        signal,
        onAbort: undefined,
      };
      // No executor closure: a closure here, and the context it shared with the abort listener,
      // were allocated for every request. The executor runs at once, inside `new Promise`.
      opening = entry;
      const promise = new Promise<T>(takeSettlers);
      let queued = false;
      try {
        if (signal) listen(entry, signal);
        items.push(entry);
        queued = true;
        if (queue.size++ === 0) letGo = options.keepAlive?.();
        if (deadline < armedFor) arm(deadline);
        const heard = listeners;
        for (let i = 0; i < heard.length; i++) (heard[i] as Subscriber<number>).next(queue.size);
      } catch (err) {
        // The request's promise rejects, the caller sees no throw, and the request leaves the
        // queue: a grant to it would hand a lease to nobody.
        if (queued) withdraw(entry);
        else if (entry.onAbort) signal?.removeEventListener('abort', entry.onAbort);
        entry.reject(err as Error);
      }
      return promise;
    },
    shift() {
      while (head < items.length) {
        const entry = items[head++] as Entry<T, D>;
        if (entry.settled) {
          dead--;
          continue;
        }
        settle(entry);
        if (queue.size === 0) {
          // Everything left behind the head is settled: drop it (the timer stays, see settle).
          items = [];
          head = 0;
          dead = 0;
        } else compact();
        return entry;
      }
      return undefined;
    },
    rejectAll(error) {
      for (let entry = this.shift(); entry; entry = this.shift()) entry.reject(error);
      disarm();
    },
  };
  return queue;
}

/** The entry whose promise is being made: `takeSettlers`, the executor, runs inside `new Promise`. */
let opening: Entry<unknown, unknown> | undefined;

function takeSettlers<T>(resolve: (value: T) => void, reject: (error: Error) => void): void {
  const entry = opening as unknown as Entry<T, unknown>;
  opening = undefined;
  entry.resolve = resolve;
  entry.reject = reject;
}

/** An entry's settlers until its promise gives it its own (at once, in `enqueue`). */
function settledAlready(): void {}
