import { setup } from 'xstate';

/** What can happen to one request on its way through the pool. */
export type LendingStep =
  | { type: 'acquire.free' }
  | { type: 'read.now' }
  | { type: 'read.turn' }
  | { type: 'turn.came' }
  | { type: 'acquire.idleTooLong' }
  | { type: 'acquire.none' }
  | { type: 'acquire.refused' }
  | { type: 'validate.answered' }
  | { type: 'validate.failed' }
  | { type: 'bag.handOff' }
  | { type: 'queue.timeout' }
  | { type: 'queue.abort' }
  | { type: 'pool.close' }
  | { type: 'lease.release' }
  | { type: 'reclaim.inFlight' }
  | { type: 'reclaim.clean' }
  | { type: 'reclaim.rollback' }
  | { type: 'reclaim.broken' }
  | { type: 'reclaim.revoked' }
  | { type: 'handOff.waiter' }
  | { type: 'handOff.none' }
  | { type: 'handOff.expired' }
  | { type: 'handOff.overfull' };

/** The code each action of the drawing stands for (`Class.method`), checked by the test. */
export const LENDING_ACTIONS: Record<string, string> = {
  takeFree: 'Bag.takeFree',
  grant: 'Lending.grant',
  enqueue: 'Lending.acquire',
  demand: 'Lifecycle.demand',
  reject: 'Lending.acquire',
  fail: 'Lifecycle.fail',
  rollback: 'Lending.reclaim',
  putFree: 'Bag.putFree',
  retire: 'Lifecycle.retire',
};

/**
 * The lending path, drawn: request → queue → bag → lease → release. It is a description, not an
 * actor the pool runs (lending spends no machine events; see core/lending/lending.ts). Each state's `meta`
 * and each action (LENDING_ACTIONS) name the code that does it, and machines/lending.machine.test.ts
 * fails when one of them is gone; `npm run diagrams` draws it into docs/diagrams/lending.md.
 *
 * @example
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * const paths = getShortestPaths(lendingPath); // every way a request can end
 * ```
 */
export const lendingPath = setup({
  types: { events: {} as LendingStep },
  actions: {
    takeFree: () => undefined,
    grant: () => undefined,
    enqueue: () => undefined,
    demand: () => undefined,
    reject: () => undefined,
    fail: () => undefined,
    rollback: () => undefined,
    putFree: () => undefined,
    retire: () => undefined,
  },
}).createMachine({
  id: 'lending',
  initial: 'request',
  states: {
    request: {
      meta: { step: 'Lending.acquire' },
      on: {
        'acquire.free': { target: 'lease', actions: ['takeFree', 'grant'] },
        // pool.read with a reader free and nobody queued (Lending.grantNow): lent at once, no
        // acquire promise; a callback that returns a value is released before read() returns.
        'read.now': { target: 'lease', actions: ['takeFree', 'grant'] },
        // pool.read while the event loop is due a turn: it waits for the turn holding nothing,
        // with every read that waits for it, then asks again.
        'read.turn': 'turn',
        'acquire.idleTooLong': { target: 'validate', actions: 'takeFree' },
        'acquire.none': { target: 'queue', actions: ['enqueue', 'demand'] },
        'acquire.refused': { target: 'rejected', actions: 'reject' },
      },
    },
    turn: {
      meta: { step: 'Lending.grantNow' },
      on: { 'turn.came': 'request' },
    },
    validate: {
      meta: { step: 'Housekeeping.validated' },
      on: {
        'validate.answered': { target: 'lease', actions: 'grant' },
        'validate.failed': { target: 'request', actions: 'fail' },
      },
    },
    queue: {
      meta: { step: 'Bag.nextWaiter' },
      on: {
        'bag.handOff': { target: 'lease', actions: 'grant' },
        'queue.timeout': { target: 'rejected', actions: 'reject' },
        'queue.abort': { target: 'rejected', actions: 'reject' },
        'pool.close': { target: 'rejected', actions: 'reject' },
      },
    },
    lease: {
      meta: { step: 'Lending.grant' },
      on: { 'lease.release': 'reclaim' },
    },
    reclaim: {
      meta: { step: 'Lending.reclaim' },
      on: {
        'reclaim.inFlight': 'reclaim',
        'reclaim.clean': 'handOff',
        'reclaim.rollback': { target: 'handOff', actions: 'rollback' },
        'reclaim.broken': { target: 'retired', actions: 'fail' },
        'reclaim.revoked': 'released',
      },
    },
    handOff: {
      meta: { step: 'Lending.handOff' },
      on: {
        'handOff.waiter': { target: 'released', actions: 'grant' },
        'handOff.none': { target: 'released', actions: 'putFree' },
        'handOff.expired': { target: 'retired', actions: 'retire' },
        'handOff.overfull': { target: 'retired', actions: 'retire' },
      },
    },
    released: { type: 'final' },
    retired: { type: 'final' },
    rejected: { type: 'final' },
  },
});
