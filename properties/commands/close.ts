import type { AsyncCommand } from 'fast-check';
import type { Model, Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Closes the pool (without waiting): waiters get POOL_CLOSED, holders may still release. */
export class CloseCommand implements AsyncCommand<Model, Real> {
  check(m: Model): boolean {
    return !m.closed;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.closed = true;
    r.closing = r.pool.close();
    await settleAndCheck(m, r);
  }
  toString(): string {
    return 'close()';
  }
}
