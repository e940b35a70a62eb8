import type { AsyncCommand } from 'fast-check';
import { PoolError } from '../../core/errors/errors.js';
import type { PoolStats } from '../../core/monitoring/stats.js';
import { InvariantError } from '../invariants.js';
import { releasedLeases, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Releases a lease a second time: must throw DOUBLE_RELEASE and change nothing but the counter. */
export class DoubleReleaseCommand implements AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return releasedLeases(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const done = releasedLeases(m);
    const lease = done[this.pick % done.length]?.lease;
    if (!lease) return;
    const { doubleReleases, ...before } = shape(r.pool.stats());
    let code: string | undefined;
    try {
      lease.release();
    } catch (err) {
      code = err instanceof PoolError ? err.code : String(err);
    }
    const { doubleReleases: after, ...now } = shape(r.pool.stats());
    if (code !== 'DOUBLE_RELEASE') throw new InvariantError('double-release', `second release gave ${code}`);
    if (after !== doubleReleases + 1 || JSON.stringify(now) !== JSON.stringify(before))
      throw new InvariantError('double-release', 'a rejected double release changed the pool');
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `doubleRelease(${this.pick})`;
  }
}

/** What a double release must not change: connections, leases, waiters, grants and releases. */
const SHAPE = [
  'total',
  'leased',
  'idle',
  'waiting',
  'opening',
  'leasedRead',
  'leasedWrite',
  'acquired',
  'released',
  'doubleReleases',
] as const;

function shape(s: PoolStats): Pick<PoolStats, (typeof SHAPE)[number]> {
  return Object.fromEntries(SHAPE.map((key) => [key, s[key]])) as Pick<PoolStats, (typeof SHAPE)[number]>;
}
