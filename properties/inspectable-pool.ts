import { defaultWiring } from '../create-pool.js';
import { Pool, runtimeOf } from '../core/pool.js';
import type { PoolOptions } from '../core/options/options.js';
import type { PoolParts } from '../core/pool-runtime.js';
import type { Entry, Lane } from '../core/lending/pool-types.js';

/** A lane as the invariants see it: its free list, and every entry of it in the bag. */
export interface InspectedLane {
  readonly role: Lane['role'];
  readonly free: readonly Entry[];
  readonly entries: ReadonlySet<Entry>;
}

/**
 * A read-only look at a pool's bag for the properties' invariants: one `any` lane, or the readers
 * then the write lane on SQLite. It adds no behaviour.
 */
export function lanesForTest(pool: Pool): readonly InspectedLane[] {
  const { bag } = runtimeOf(pool);
  const all = [...bag.entries()];
  return bag.lanes().map((lane) => ({
    role: lane.role,
    free: lane.free,
    entries: new Set(all.filter((e) => e.lane === lane)),
  }));
}

/** Builds the pool a property runs: the real one, or one with a broken part (broken-pools.ts). */
export type PoolClass = (options: PoolOptions) => Pool;

/** The pool as it ships. */
export const realPool: PoolClass = (options) => new Pool(options, defaultWiring);

/** A pool built with one part swapped for a broken variant. */
export function withParts(parts: Partial<PoolParts>): PoolClass {
  return (options) => new Pool(options, defaultWiring, parts);
}
