import { performance } from 'node:perf_hooks';

/** How many settles pass between two looks at the clock while no turn has come. */
const LOOK_EVERY = 16;

/**
 * Lets the event loop turn while callers await the pool in a loop (issue 29). A statement served
 * inline, or a lease granted at once, resolves on the microtask queue: a loop of `await
 * pool.read(...)` would never yield to timers or I/O, and twenty of them froze a bot for a second.
 * The budget counts from the first settle after a turn of the event loop; once the work has run
 * `budgetMs` without one, what the pool settles resolves through `setImmediate` until a turn has
 * come. Whether a turn came is a flag that a `setImmediate` sets: the clock is read once a turn
 * and once every {@link LOOK_EVERY} settles after it, never on each. @internal
 *
 * @example
 * ```ts
 * const turns = new TurnBudget(4);
 * return turns.settle(row); // Promise.resolve(row), or a promise resolved after the next turn
 * ```
 */
export class TurnBudget {
  #probing = false;
  #over = false;
  #count = 0;
  #since = 0;
  /** What {@link nextTurn} gave out while the budget was over, resolved at the turn. */
  #turn: Promise<void> | undefined;
  #turnCame: (() => void) | undefined;
  #waiting = 0;
  readonly #turned = (): void => {
    this.#probing = false;
    this.#over = false;
    const came = this.#turnCame;
    if (came === undefined) return;
    this.#turn = this.#turnCame = undefined;
    this.#waiting = 0;
    came();
  };

  /** Callers given {@link nextTurn}'s promise since the last turn: they wait for the next one. */
  get waiting(): number {
    return this.#waiting;
  }

  /** `budgetMs` 0 never defers. */
  constructor(private readonly budgetMs: number) {}

  /** `value` as a promise: resolved now, or after the next turn of the event loop. */
  settle<T>(value: T): Promise<T> {
    return this.due() ? afterTurn(value) : Promise.resolve(value);
  }

  /**
   * A promise resolved at the next turn of the event loop, one for every caller while the budget is
   * over: their callbacks then run in the order they asked, in one turn, not one turn each. Asked
   * only after {@link due} said true (the turn is then already awaited).
   */
  nextTurn(): Promise<void> {
    this.#waiting++;
    return (this.#turn ??= new Promise<void>((resolve) => {
      this.#turnCame = resolve;
    }));
  }

  /**
   * Counts one settle, as `settle` does, and tells whether it must wait for the next turn: for a
   * caller that hands out work now, with no promise, unless a turn is due.
   */
  due(): boolean {
    if (this.#over) return true;
    if (!this.#probing) {
      if (this.budgetMs === 0) return false;
      this.#probing = true;
      this.#count = 0;
      this.#since = performance.now();
      setImmediate(this.#turned);
    } else if (++this.#count % LOOK_EVERY === 0 && performance.now() - this.#since >= this.budgetMs) {
      this.#over = true;
      return true;
    }
    return false;
  }
}

/** `value` as a promise resolved after the next turn of the event loop. @internal */
export function afterTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(resolve, value));
}
