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

/** Events a connection actor accepts, from its supervisor only. */
export type ConnectionEvent = { type: 'connection.close' } | { type: 'connection.fail'; error: Error };

/** Events a connection actor sends its parent. */
export type ConnectionReport =
  | { type: 'connection.opened'; id: string; connection: DriverConnection }
  | { type: 'connection.failed'; id: string; error: Error }
  | { type: 'connection.closed'; id: string };

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * One database connection's life: `opening`, `open`, `closing`, `closed`, `failed`. Lending is not
 * part of it: whether an open connection is free or lent is the pool's bag's business (core/lending/bag.ts),
 * so acquire and release cost no machine events. A driver failure never throws out of the actor: it
 * becomes the `failed` state and a `connection.failed` report to the parent, which replaces the
 * connection. Only the parent sends it events (`connection.close`, `connection.fail`).
 *
 * @example
 * ```ts
 * const actor = createActor(connectionMachine, { input: { id: 'c1', role: 'reader', driver } });
 * actor.start(); // opening → open, or → failed with the driver's error
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
          { target: 'open', actions: [assign({ connection: ({ event }) => event.output }), 'reportOpened'] },
        ],
        onError: { target: 'failed', actions: assign({ error: ({ event }) => toError(event.error) }) },
      },
      on: { 'connection.close': { actions: assign({ closeRequested: true }) } },
    },
    open: {
      on: {
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
