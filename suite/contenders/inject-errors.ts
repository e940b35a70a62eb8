import type { BotDb } from '../../adapters/faces/bot-db.js';
import type { Contender } from '../types.js';

/** A contender that fails on purpose, with the count of failures it injected. */
export interface FaultyContender extends Contender {
  /** Calls failed on purpose so far. */
  injected(): number;
  /** Top-level facade calls seen so far. */
  calls(): number;
}

/** The error an injected fault raises. */
export class InjectedError extends Error {
  override readonly name = 'InjectedError';
  readonly code = 'INJECTED';
}

/**
 * Wraps a contender so that every `every`-th top-level facade call (`get`, `all`, `run` or
 * `transaction`, counted across all workers) rejects with code `INJECTED` without touching the
 * database. The suite's own tests use it as a run whose error rate is known.
 *
 * @example
 * ```ts
 * const faulty = withInjectedErrors(roasPool(), 4); // 25 % of operations fail
 * ```
 */
export function withInjectedErrors(inner: Contender, every: number): FaultyContender {
  let calls = 0;
  let injected = 0;
  const gate = <T>(call: () => Promise<T>): Promise<T> => {
    calls++;
    if (calls % every !== 0) return call();
    injected++;
    return Promise.reject(new InjectedError(`injected fault #${injected}`));
  };
  return {
    name: `${inner.name}+faults`,
    description: `${inner.description}, every ${every}th call fails`,
    injected: () => injected,
    calls: () => calls,
    async open(context) {
      const session = await inner.open(context);
      const wrap = (db: BotDb): BotDb => ({
        get: (sql, params) => gate(() => db.get(sql, params)),
        all: (sql, params) => gate(() => db.all(sql, params)),
        run: (sql, params) => gate(() => db.run(sql, params)),
        transaction: (fn) => gate(() => db.transaction(fn)),
      });
      return { ...session, db: (index) => wrap(session.db(index)) };
    },
  };
}
