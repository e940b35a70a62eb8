import type { Bag } from '../lending/bag.js';
import type { ResolvedOptions } from '../options/options.js';

/**
 * Why a wait for the write lane timed out, when its holder is a lease from `acquire()` that is
 * still out: that lease, how long it has been held, where it was acquired when the pool recorded
 * it. A caller that holds it itself waits for itself (issue 29): the fix is to release it first, or
 * to run the work on it, never a larger pool. Undefined when the lane is held otherwise. @internal
 */
export function writeHolder(rt: {
  readonly bag: Pick<Bag, 'entries' | 'writeLane'>;
  readonly options: Pick<ResolvedOptions, 'scheduler'>;
}): string | undefined {
  for (const entry of rt.bag.entries()) {
    if (entry.lane !== rt.bag.writeLane || entry.state !== 'leased' || entry.revoked !== undefined) continue;
    if (entry.heldByCall === true || entry.ownedByPool === true) return undefined;
    const heldMs = Math.round(rt.options.scheduler.now() - entry.grantedAt);
    const stack = entry.grantStack;
    const where =
      stack === undefined
        ? 'acquired at an unrecorded place (set leakDetectionThresholdMs to record where)'
        : `acquired ${stack.slice(stack.indexOf('\n') + 1).trim()}`;
    return (
      `the write lane is held by a lease from acquire({ mode: 'write' }), still out after ${heldMs} ms, ${where}. ` +
      `If this call runs where that lease is held, it waits for itself: release that lease first, or do this work on it (lease.run/exec) instead of pool.write()/pool.transaction()/acquire({ mode: 'write' }); a larger max does not help, as SQLite has one writer`
    );
  }
  return undefined;
}
