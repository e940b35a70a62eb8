import { defaultWiring } from '../create-pool.js';
import { wiringWithParts, type PoolParts } from '../core/compose.js';
import { Bag, type BagHost } from '../core/lending/bag.js';
import { Lifecycle, type LifecycleHost } from '../core/lifecycle/lifecycle.js';
import { Pool } from '../core/pool.js';
import type { PoolOptions } from '../core/options/options.js';
import type { Entry, Lane } from '../core/lending/pool-types.js';

/** A lane as the invariants see it: its free list, and every entry of it in the bag. */
export interface InspectedLane {
  readonly role: Lane['role'];
  readonly free: readonly Entry[];
  readonly entries: ReadonlySet<Entry>;
}

/** Each pool the properties built, and its bag and lifecycle, seen as they were made. */
const bags = new WeakMap<Pool, Bag>();
const lifecycles = new WeakMap<Pool, Lifecycle>();

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

/**
 * The two registries of a pool's connections, as the invariants hold them against each other: the
 * connection each record in the bag names, and the phase of each connection actor the supervisor
 * has (`opening`, `open`, `closing`; a finished one is gone).
 */
export function registriesForTest(pool: Pool): {
  records: readonly Entry[];
  actors: ReadonlyMap<Entry['ref'], string>;
} {
  const bag = bags.get(pool);
  const lifecycle = lifecycles.get(pool);
  if (bag === undefined || lifecycle === undefined)
    throw new Error('registriesForTest: a pool not built by realPool or withParts');
  const actors = new Map<Entry['ref'], string>();
  for (const ref of Object.values(lifecycle.supervisor.getSnapshot().context.connections)) {
    const snap = ref.getSnapshot();
    if (snap.status === 'active') actors.set(ref, String(snap.value));
  }
  return { records: [...bag.entries()], actors };
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
  const lived: Lifecycle[] = [];
  const LifecyclePart = (parts.lifecycle ?? Lifecycle) as typeof Lifecycle;
  class SeenLifecycle extends LifecyclePart {
    constructor(rt: LifecycleHost) {
      super(rt);
      lived.push(this);
    }
  }
  const pool = new Pool(
    options,
    wiringWithParts(defaultWiring, { ...parts, bag: SeenBag, lifecycle: SeenLifecycle }),
  );
  bags.set(pool, made[0] as Bag);
  lifecycles.set(pool, lived[0] as Lifecycle);
  return pool;
}

/** The pool as it ships. */
export const realPool: PoolClass = (options) => build(options, {});

/** A pool built with one part swapped for a broken variant. */
export function withParts(parts: Partial<PoolParts>): PoolClass {
  return (options) => build(options, parts);
}
