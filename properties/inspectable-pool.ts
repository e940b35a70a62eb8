import { defaultWiring } from '../create-pool.js';
import { wiringWithParts, type PoolParts } from '../core/compose.js';
import { Bag, type BagHost } from '../core/lending/bag.js';
import { Pool } from '../core/pool.js';
import type { PoolOptions } from '../core/options/options.js';
import type { Entry, Lane } from '../core/lending/pool-types.js';

/** A lane as the invariants see it: its free list, and every entry of it in the bag. */
export interface InspectedLane {
  readonly role: Lane['role'];
  readonly free: readonly Entry[];
  readonly entries: ReadonlySet<Entry>;
}

/** Each pool the properties built, and its bag, seen as the bag was made. */
const bags = new WeakMap<Pool, Bag>();

/**
 * A read-only look at a pool's bag for the properties' invariants: one `any` lane, or the readers
 * then the write lane on SQLite. It adds no behaviour.
 */
export function lanesForTest(pool: Pool): readonly InspectedLane[] {
  const bag = bags.get(pool);
  if (bag === undefined) throw new Error('lanesForTest: a pool not built by realPool or withParts');
  const all = [...bag.entries()];
  return bag.lanes().map((lane) => ({
    role: lane.role,
    free: lane.free,
    entries: new Set(all.filter((e) => e.lane === lane)),
  }));
}

/** Builds the pool a property runs: the real one, or one with a broken part (broken-pools.ts). */
export type PoolClass = (options: PoolOptions) => Pool;

/** A pool built through the composition with `parts` swapped in; its bag is kept for lanesForTest. */
function build(options: PoolOptions, parts: Partial<PoolParts>): Pool {
  const made: Bag[] = [];
  const BagPart = parts.bag ?? Bag;
  // The same bag class, which tells this function which instance the pool made.
  class SeenBag extends BagPart {
    constructor(host: BagHost) {
      super(host);
      made.push(this);
    }
  }
  const pool = new Pool(options, wiringWithParts(defaultWiring, { ...parts, bag: SeenBag }));
  bags.set(pool, made[0] as Bag);
  return pool;
}

/** The pool as it ships. */
export const realPool: PoolClass = (options) => build(options, {});

/** A pool built with one part swapped for a broken variant. */
export function withParts(parts: Partial<PoolParts>): PoolClass {
  return (options) => build(options, parts);
}
