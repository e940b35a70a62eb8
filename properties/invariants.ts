import { lanesForTest, registriesForTest } from './inspectable-pool.js';
import { holders, waiting, type Model, type Real } from './model.js';

/** A broken invariant; its message starts with the invariant's name, which the tests match. */
export class InvariantError extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`invariant ${invariant}: ${detail}`);
  }
}

function fail(invariant: string, detail: string): never {
  throw new InvariantError(invariant, detail);
}

/**
 * Checks, between commands, everything that must hold at every quiescent point. The order matters
 * for the broken-variant tests: the most specific invariant is checked first.
 */
export function checkInvariants(m: Model, r: Real): void {
  const held = holders(m);

  // No connection is held by two holders, and a held connection is not on a free list.
  const seen = new Set<unknown>();
  for (const t of held) {
    const entry = t.lease?.entry;
    if (seen.has(entry)) fail('exclusive', `acquire #${t.id} holds a connection another holder has`);
    seen.add(entry);
  }
  for (const lane of lanesForTest(r.pool)) {
    if (new Set(lane.free).size !== lane.free.length) fail('exclusive', `a connection is free twice`);
    for (const entry of lane.free) {
      if (seen.has(entry)) fail('exclusive', 'a held connection is on the free list');
      if (!lane.entries.has(entry)) fail('exclusive', 'a free connection the lane does not know');
    }
  }

  // One registry a concern (docs/architecture.md): the bag holds a record for exactly the
  // connections whose actor is open (or, once close() began, closing with the drain); the
  // supervisor's actors in any other phase have none.
  const { records, actors } = registriesForTest(r.pool);
  const draining = r.pool.stats().state === 'closed';
  for (const entry of records) {
    const phase = actors.get(entry.ref);
    if (phase !== 'open' && !(draining && phase === 'closing'))
      fail('one-registry', `the bag holds a record of ${entry.ref.id}, whose actor is ${phase ?? 'gone'}`);
  }
  const recorded = new Set(records.map((e) => e.ref));
  for (const [ref, phase] of actors)
    if (phase === 'open' && !recorded.has(ref))
      fail('one-registry', `${ref.id} is open in the supervisor, with no record in the bag`);

  // At most one write lease.
  const writers = held.filter((t) => t.mode === 'write').length;
  if (writers > 1) fail('one-writer', `${writers} write leases held at once`);

  // Broken promises seen by the acquire callbacks since the last check (FIFO, close, deadlines).
  const [first] = m.violations;
  if (first !== undefined) fail(first.slice(0, first.indexOf(':')), first.slice(first.indexOf(':') + 2));

  // leased + idle = total <= max, and the pool's leases are exactly the model's holders.
  const st = r.pool.stats();
  if (st.leased + st.idle !== st.total)
    fail('counts', `leased ${st.leased} + idle ${st.idle} != ${st.total}`);
  if (st.total + st.opening > m.max)
    fail('counts', `${st.total} open + ${st.opening} opening > max ${m.max}`);
  if (st.leasedWrite > 1) fail('one-writer', `the pool reports ${st.leasedWrite} write leases`);
  if (st.leased !== held.length) fail('lease-lost', `pool says ${st.leased} leased, holders ${held.length}`);
  if (st.waiting !== waiting(m).length)
    fail('lease-lost', `pool says ${st.waiting} waiting, model ${waiting(m).length}`);

  // Every acquire settles at most once, and none outlives its deadline.
  const now = r.clock.now();
  for (const t of m.acquires) {
    if (t.settlements > 1) fail('settles-once', `acquire #${t.id} settled ${t.settlements} times`);
    if (t.status === 'waiting' && t.deadline < now)
      fail('settles-once', `acquire #${t.id} still waits ${now - t.deadline} ms past its deadline`);
  }
  if (r.log.useAfterClose > 0) fail('use-after-close', 'a statement ran on a closed connection');
  if (m.closed !== (st.state === 'closed')) fail('closed', `model closed=${m.closed}, pool ${st.state}`);
}
