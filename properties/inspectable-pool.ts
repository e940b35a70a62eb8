import { Pool, type Entry, type Lane } from '../core/pool.js';
import type { PoolOptions } from '../core/options.js';
import { defaultWiring } from '../create-pool.js';

/**
 * The pool as it ships, plus a read-only look at its lanes for the properties' invariants. It adds
 * no behaviour: broken variants (broken-pools.ts) extend it and override one protected step.
 */
export class InspectablePool extends Pool {
  constructor(options: PoolOptions) {
    super(options, defaultWiring);
  }

  /** The lanes: one `any` lane, or the readers then the write lane on SQLite. */
  lanesForTest(): readonly Lane[] {
    return this.readLane === this.writeLane ? [this.readLane] : [this.readLane, this.writeLane];
  }

  /** Every entry the lanes know, for exclusivity checks. */
  entriesForTest(): readonly Entry[] {
    return this.lanesForTest().flatMap((lane) => [...lane.entries]);
  }
}

/** A pool class the properties can run: the real one or a broken variant. */
export type PoolClass = new (options: PoolOptions) => InspectablePool;
