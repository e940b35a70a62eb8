import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { ConnectionRole, Driver, DriverConnection } from '../core/driver.js';

/** What the pool supervisor hands a connection actor when it spawns one. */
export interface ConnectionInput {
  id: string;
  role: ConnectionRole;
  driver: Driver;
}

export interface ConnectionContext {
  id: string;
  role: ConnectionRole;
  driver: Driver;
  connection: DriverConnection | undefined;
  error: Error | undefined;
  /** A close asked for while the driver was still opening: honoured as soon as it opens. */
  closeRequested: boolean;
}

/** Events a connection actor accepts. */
export type ConnectionEvent =
  | { type: 'connection.lease' }
  | { type: 'connection.release' }
  | { type: 'connection.close' }
  | { type: 'connection.fail'; error: Error };

/** Events a connection actor sends its parent. */
export type ConnectionReport =
  | { type: 'connection.opened'; id: string; connection: DriverConnection }
  | { type: 'connection.failed'; id: string; error: Error }
  | { type: 'connection.closed'; id: string };

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * One database connection's life: `opening`, `idle`, `leased`, `closing`, `closed`, `failed`.
 * A driver failure never throws out of the actor: it becomes the `failed` state and a
 * `connection.failed` report to the parent, which replaces the connection.
 *
 * `idle` and `leased` are told lazily by the pool: a connection handed straight from one holder to
 * the next stays `leased` without an event, and one returned to the free list turns `idle` at the
 * next settle (one scheduler turn later), so the hot path spends no machine events.
 *
 * @example
 * ```ts
 * const actor = createActor(connectionMachine, { input: { id: 'c1', role: 'reader', driver } });
 * actor.start(); // opening → idle, or → failed with the driver's error
 * ```
 */
export const connectionMachine = setup({
  types: {
    input: {} as ConnectionInput,
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
  },
  actors: {
    openConnection: fromPromise<DriverConnection, { driver: Driver; role: ConnectionRole }>(({ input }) =>
      input.driver.open(input.role),
    ),
    closeConnection: fromPromise<void, { connection: DriverConnection | undefined }>(async ({ input }) =>
      input.connection?.close(),
    ),
  },
  actions: {
    reportOpened: sendParent(({ context }) => ({
      type: 'connection.opened' as const,
      id: context.id,
      connection: context.connection as DriverConnection,
    })),
    reportFailed: sendParent(({ context }) => ({
      type: 'connection.failed' as const,
      id: context.id,
      error: context.error as Error,
    })),
    reportClosed: sendParent(({ context }) => ({ type: 'connection.closed' as const, id: context.id })),
    // Best effort: a failed connection is often half-dead, and close() never throws by contract.
    disposeConnection: ({ context }) => {
      void context.connection?.close();
    },
  },
  guards: {
    closeRequested: ({ context }) => context.closeRequested,
  },
}).createMachine({
  id: 'connection',
  initial: 'opening',
  context: ({ input }) => ({
    id: input.id,
    role: input.role,
    driver: input.driver,
    connection: undefined,
    error: undefined,
    closeRequested: false,
  }),
  states: {
    opening: {
      invoke: {
        src: 'openConnection',
        input: ({ context }) => ({ driver: context.driver, role: context.role }),
        onDone: [
          {
            guard: 'closeRequested',
            target: 'closing',
            actions: assign({ connection: ({ event }) => event.output }),
          },
          { target: 'idle', actions: [assign({ connection: ({ event }) => event.output }), 'reportOpened'] },
        ],
        onError: { target: 'failed', actions: assign({ error: ({ event }) => toError(event.error) }) },
      },
      on: { 'connection.close': { actions: assign({ closeRequested: true }) } },
    },
    idle: {
      on: {
        'connection.lease': 'leased',
        'connection.close': 'closing',
        'connection.fail': { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
      },
    },
    leased: {
      on: {
        'connection.release': 'idle',
        'connection.close': 'closing',
        'connection.fail': { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
      },
    },
    closing: {
      invoke: {
        src: 'closeConnection',
        input: ({ context }) => ({ connection: context.connection }),
        onDone: 'closed',
        onError: 'closed',
      },
    },
    closed: { type: 'final', entry: 'reportClosed' },
    failed: { type: 'final', entry: ['disposeConnection', 'reportFailed'] },
  },
});
