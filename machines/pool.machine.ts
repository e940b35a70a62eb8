import { assign, enqueueActions, setup, type ActorRefFrom } from 'xstate';
import type { ConnectionRole, Driver, DriverConnection } from '../core/driver.js';
import { connectionMachine, type ConnectionReport } from './connection.machine.js';

/** A spawned connection actor. */
export type ConnectionRef = ActorRefFrom<typeof connectionMachine>;

/**
 * What the supervisor emits (`actor.on(type, handler)`) about its children's lives. The pool's
 * runtime keeps the free lists and the waiters; the supervisor owns the connections' lives. An
 * emitted event is delivered once the transition that heard the report is applied: a failed or
 * closed connection is already gone from `connections`.
 */
export type SupervisorEmitted =
  | { type: 'connection.opened'; ref: ConnectionRef; connection: DriverConnection }
  | { type: 'connection.failed'; ref: ConnectionRef; error: Error; wasOpen: boolean }
  | { type: 'connection.closed'; ref: ConnectionRef };

export interface PoolMachineInput {
  driver: Driver;
  min: number;
  max: number;
}

export interface PoolMachineContext extends PoolMachineInput {
  nextId: number;
  connections: Record<string, ConnectionRef>;
}

/**
 * Events the supervisor accepts from the pool's runtime. `pool.retire` and `pool.fail` name a
 * child; the supervisor forwards them to it (`sendTo`): nothing outside sends to a connection.
 */
export type PoolCommand =
  | { type: 'pool.demand'; role: ConnectionRole; waiting: number }
  | { type: 'pool.resize'; min: number; max: number }
  | { type: 'pool.retire'; id: string }
  | { type: 'pool.fail'; id: string; error: Error }
  | { type: 'pool.close' };

export type PoolEvent = PoolCommand | ConnectionReport;

/** The most connections a role may have: single-writer databases get one writer, the rest read. */
export function roleLimit(role: ConnectionRole, max: number): number {
  if (role === 'writer') return 1;
  if (role === 'reader') return Math.max(1, max - 1);
  return max;
}

/** Live (not final) connections of a role, and how many of them are still opening. */
export function countRole(
  connections: Record<string, ConnectionRef>,
  role: ConnectionRole,
): { live: number; opening: number } {
  let live = 0;
  let opening = 0;
  for (const ref of Object.values(connections)) {
    const snap = ref.getSnapshot();
    if (snap.context.role !== role || snap.status !== 'active') continue;
    live++;
    if (snap.value === 'opening') opening++;
  }
  return { live, opening };
}

/**
 * The pool supervisor: spawns connection actors on demand (one batched `pool.demand` event per
 * burst of waiters, never one per acquire), hears their reports and emits them to the runtime,
 * forwards the runtime's `pool.retire` and `pool.fail` to the child they name, and drains and
 * closes them. Connection counts are read from the children's snapshots, never kept twice.
 *
 * @example
 * ```ts
 * const supervisor = createActor(poolMachine, { input: { driver, min: 0, max: 20 } }).start();
 * supervisor.on('connection.opened', ({ ref, connection }) => lend(ref, connection));
 * supervisor.send({ type: 'pool.demand', role: 'reader', waiting: 3 }); // opens up to 3 readers
 * ```
 */
export const poolMachine = setup({
  types: {
    input: {} as PoolMachineInput,
    context: {} as PoolMachineContext,
    events: {} as PoolEvent,
    emitted: {} as SupervisorEmitted,
  },
  actors: { connection: connectionMachine },
  actions: {
    openConnections: assign(({ context, event, spawn }) => {
      if (event.type !== 'pool.demand') return {};
      const { live, opening } = countRole(context.connections, event.role);
      const count = Math.min(event.waiting - opening, roleLimit(event.role, context.max) - live);
      if (count <= 0) return {};
      const connections = { ...context.connections };
      let nextId = context.nextId;
      for (let i = 0; i < count; i++) {
        const id = `c${nextId++}`;
        connections[id] = spawn('connection', {
          id,
          input: { id, role: event.role, driver: context.driver },
        });
      }
      return { connections, nextId };
    }),
    // Reports about a child the supervisor no longer knows (a late report) are not relayed.
    emitReport: enqueueActions(({ context, event, enqueue }) => {
      if (
        event.type !== 'connection.opened' &&
        event.type !== 'connection.failed' &&
        event.type !== 'connection.closed'
      )
        return;
      const ref = context.connections[event.id];
      if (!ref) return;
      if (event.type === 'connection.opened')
        enqueue.emit({ type: 'connection.opened', ref, connection: event.connection });
      else if (event.type === 'connection.closed') enqueue.emit({ type: 'connection.closed', ref });
      else {
        const wasOpen = ref.getSnapshot().context.connection !== undefined;
        enqueue.emit({ type: 'connection.failed', ref, error: event.error, wasOpen });
      }
    }),
    forward: enqueueActions(({ context, event, enqueue }) => {
      const ref =
        event.type === 'pool.retire' || event.type === 'pool.fail'
          ? context.connections[event.id]
          : undefined;
      if (!ref) return;
      if (event.type === 'pool.retire') enqueue.sendTo(ref, { type: 'connection.close' });
      else if (event.type === 'pool.fail')
        enqueue.sendTo(ref, { type: 'connection.fail', error: event.error });
    }),
    // A child is forgotten when it is done (its final state), not at its report: the report comes
    // first, and a supervisor that reached its own final state on the report would then be sent the
    // child's done event while stopped.
    forget: assign({
      connections: ({ context, event }) => {
        if (!('actorId' in event) || typeof event.actorId !== 'string') return context.connections;
        const { [event.actorId]: _gone, ...rest } = context.connections;
        return rest;
      },
    }),
    resize: assign(({ event }) => (event.type === 'pool.resize' ? { min: event.min, max: event.max } : {})),
    closeAll: enqueueActions(({ context, enqueue }) => {
      for (const ref of Object.values(context.connections)) enqueue.sendTo(ref, { type: 'connection.close' });
    }),
  },
  guards: {
    noConnectionsLeft: ({ context }) => Object.keys(context.connections).length === 0,
  },
}).createMachine({
  id: 'pool',
  initial: 'running',
  context: ({ input }) => ({ ...input, nextId: 1, connections: {} }),
  on: {
    'connection.opened': { actions: 'emitReport' },
    'connection.failed': { actions: 'emitReport' },
    'connection.closed': { actions: 'emitReport' },
    'xstate.done.actor.*': { actions: 'forget' },
    'pool.retire': { actions: 'forward' },
    'pool.fail': { actions: 'forward' },
  },
  states: {
    running: {
      on: {
        'pool.demand': { actions: 'openConnections' },
        'pool.resize': { actions: 'resize' },
        'pool.close': 'draining',
      },
    },
    draining: {
      entry: 'closeAll',
      always: { guard: 'noConnectionsLeft', target: 'closed' },
      on: {
        // A connection that finishes opening during the drain is closed at once.
        'connection.opened': { actions: 'closeAll' },
      },
    },
    closed: { type: 'final' },
  },
});
