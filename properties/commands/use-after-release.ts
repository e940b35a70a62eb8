import type { AsyncCommand } from 'fast-check';
import { PoolError } from '../../core/errors/errors.js';
import { InvariantError } from '../invariants.js';
import { releasedLeases, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Runs a statement on a released lease: must fail with LEASE_RELEASED and reach no connection. */
export class UseAfterReleaseCommand implements AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return releasedLeases(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const done = releasedLeases(m);
    const lease = done[this.pick % done.length]?.lease;
    if (!lease) return;
    let code: string | undefined;
    try {
      await lease.get('SELECT 1');
    } catch (err) {
      code = err instanceof PoolError ? err.code : String(err);
    }
    if (code !== 'LEASE_RELEASED') throw new InvariantError('use-after-release', `statement gave ${code}`);
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `useAfterRelease(${this.pick})`;
  }
}
