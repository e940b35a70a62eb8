/**
 * A statement's promise as the holder of a write lease gets it. It notes whether the holder ever
 * looked at it (`await`, `.then`, `.catch`, `Promise.all` all call `then`), so that a failure the
 * holder never saw can be told apart from one it caught and chose to go past.
 */
class Statement<T> extends Promise<T> {
  // Derived promises (`.then`) are plain ones: only the statement itself is watched.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  seen = false;

  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.seen = true;
    return super.then(onFulfilled, onRejected);
  }
}

const handled = (): void => undefined;

interface Failure {
  readonly statement: Statement<unknown>;
  readonly error: unknown;
}

/**
 * The statements sent on one write lease and not yet answered, and those that failed. COMMIT
 * waits until every statement before it is answered, and refuses to commit past a failure the
 * holder never looked at (a statement it did not await): it rolls back and rejects with that
 * statement's error instead. Such a failure is the transaction's to report, so the statement's own
 * promise is marked handled and does not also end the process as an unhandled rejection. @internal
 */
export class StatementLog {
  #pending = 0;
  #drained: (() => void)[] = [];
  #failures: Failure[] = [];

  /** `work` as the holder gets it: tracked until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#pending++;
    // One reaction a promise, each settling the next by its resolving functions: that chain is
    // what V8 follows, so an error built after an await (the thread driver's) keeps the frames of
    // the functions awaiting the statement. A second reaction anywhere on it would cut it.
    const booked = work.then(
      (value) => {
        this.#settled();
        return value;
      },
      (error: unknown) => {
        this.#failures.push({ statement, error });
        this.#settled();
        // Nobody awaits it yet: the transaction reports it, so it must not end the process as an
        // unhandled rejection. The intrinsic then does not count as the holder's look; added now,
        // after the error's stack was taken, it costs the stack nothing.
        if (!statement.seen) void Promise.prototype.then.call(statement, undefined, handled);
        return Promise.reject(error);
      },
    );
    const statement: Statement<T> = new Statement<T>((resolve) => resolve(booked));
    return statement;
  }

  /** True while a statement is unanswered or a failure is on record: COMMIT must check first. */
  get busy(): boolean {
    return this.#pending > 0 || this.#failures.length > 0;
  }

  /** Resolves once every statement sent so far is answered. */
  settled(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /**
   * The first failure the holder never looked at, told as such, or undefined; forgets every
   * failure on record (each is reported once).
   */
  takeUnseen(where: string): Error | undefined {
    const unseen = this.#failures.find((f) => !f.statement.seen);
    this.#failures = [];
    if (unseen === undefined) return undefined;
    const error = unseen.error instanceof Error ? unseen.error : new Error(String(unseen.error));
    error.message += ` (this statement was not awaited ${where}; ${CONSEQUENCE[where] ?? 'it failed unseen'})`;
    return error;
  }

  /** Forgets the failures on record: the work they belonged to already failed for another reason. */
  forget(): void {
    this.#failures = [];
  }

  #settled(): void {
    if (--this.#pending === 0) for (const wake of this.#drained.splice(0)) wake();
  }
}

const CONSEQUENCE: Record<string, string> = {
  'before COMMIT': 'the transaction was rolled back, never committed',
  'in the pool.write() callback': 'the statements before it stay written, each in its own autocommit',
  'before release()': 'the lease was released with it unreported',
};

/**
 * Waits for `lease`'s statements and, if one failed unseen, rolls back the open transaction and
 * throws that statement's error. Called before COMMIT.
 */
export async function checkBeforeCommit(
  lease: { readonly released: boolean; readonly revoked: boolean; readonly inTransaction: boolean },
  log: StatementLog,
  rollback: () => Promise<void>,
) {
  await log.settled();
  const unseen = log.takeUnseen('before COMMIT');
  if (unseen === undefined) return;
  if (!lease.released && !lease.revoked && lease.inTransaction) await rollback();
  throw unseen;
}

/** A failure on a lease from `acquire()` that nobody awaited and no COMMIT reported, as a warning. */
export function warnUnseen(error: Error | undefined): void {
  if (error === undefined) return;
  process.emitWarning(`roas-pool: a statement failed and nobody awaited it: ${error.message}`, {
    type: 'RoasPoolWarning',
    code: 'ROAS_POOL_UNAWAITED_STATEMENT',
    detail: 'Fix: await every statement (or collect them with Promise.all) before release() or COMMIT.',
  });
}
