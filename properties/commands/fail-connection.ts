import type { AsyncCommand } from 'fast-check';
import { PoolError } from '../../core/errors/errors.js';
import { FATAL_SQL } from '../memory-driver.js';
import { holders, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/**
 * A held connection dies (the fake driver's fatal statement error, injected through the Driver
 * seam). The statement's failure settles when the scheduler says, possibly after the holder has
 * released: the pool must then replace the connection without losing a lease. Once it has
 * failed, the holder's next statement is refused with LEASE_REVOKED and never sent.
 */
export class FailConnectionCommand implements AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return holders(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    if (!r.faults) return;
    const held = holders(m);
    const t = held[this.pick % held.length];
    if (!t?.lease) return;
    if (t.lease.revoked) {
      // Its connection already failed: the lease refuses every statement before it is sent, through
      // the statement's promise (a promise API never throws).
      let sent: Promise<unknown>;
      try {
        sent = t.lease.run(FATAL_SQL);
      } catch (err) {
        m.violations.push(`fault: a revoked lease threw instead of rejecting: ${String(err)}`);
        return settleAndCheck(m, r);
      }
      await sent.then(
        () => m.violations.push(`fault: a statement on revoked #${t.id} ran`),
        (err: unknown) => {
          const code = err instanceof PoolError ? err.code : String(err);
          if (code !== 'LEASE_REVOKED') m.violations.push(`fault: a revoked lease gave ${code}`);
        },
      );
      return settleAndCheck(m, r);
    }
    t.lease.run(FATAL_SQL).then(
      () => m.violations.push(`fault: a fatal statement on #${t.id} succeeded`),
      (err: unknown) => {
        const code = err instanceof PoolError ? err.code : String(err);
        if (code !== 'CONNECTION_LOST') m.violations.push(`fault: fatal statement gave ${code}`);
      },
    );
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `failConnection(${this.pick})`;
  }
}
