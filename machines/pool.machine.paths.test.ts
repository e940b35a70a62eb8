import test from 'ava';
import { createActor, createMachine, type EventObject } from 'xstate';
import type { ConnectionRole } from '../core/driver.js';
import { xstateClock } from '../core/time/clock.js';
import { memoryDriver } from '../properties/memory-driver.js';
import { VirtualClock } from '../properties/virtual-clock.js';
import { reachableStates, transitionPlans, type PlanOptions } from '../test/machine-paths.js';
import { poolMachine, type PoolMachineInput } from './pool.machine.js';

// Every reachable state and transition of the supervisor, found by xstate/graph and executed on a
// live actor. The connection children are stubs (provided with `.provide()`): the supervisor's
// transitions depend only on their role, their status and the reports the test sends in their name.

const stubConnection = createMachine({
  types: {} as { input: { role: ConnectionRole }; context: { role: ConnectionRole } },
  context: ({ input }) => ({ role: input.role }),
  initial: 'opening',
  states: {
    opening: { on: { 'connection.close': 'closing', 'connection.fail': 'failing' } },
    closing: {},
    failing: {},
  },
});
const machine = poolMachine.provide({ actors: { connection: stubConnection as never } });

const heard: string[] = [];
const input: PoolMachineInput = { driver: memoryDriver(), min: 0, max: 2 };

type Conns = Record<string, { getSnapshot(): { context: { role: ConnectionRole } } }>;
const connectionsOf = (s: { context: unknown }) => (s.context as { connections: Conns }).connections;

/** The supervisor's state: its value and how many children of each role it has. */
function shape(s: { value: unknown; context: unknown }): string {
  const roles = Object.values(connectionsOf(s)).map((ref) => ref.getSnapshot().context.role);
  const count = (role: ConnectionRole) => roles.filter((r) => r === role).length;
  return `${JSON.stringify(s.value)} readers=${count('reader')} writers=${count('writer')}`;
}

const options: PlanOptions<PoolMachineInput> = {
  input,
  serializeState: shape,
  events: (s) => {
    const events: EventObject[] = [
      { type: 'pool.demand', role: 'reader', waiting: 1 },
      { type: 'pool.demand', role: 'writer', waiting: 1 },
      { type: 'pool.resize', min: 0, max: 2 },
      { type: 'pool.close' },
    ] as EventObject[];
    for (const id of Object.keys(connectionsOf(s))) {
      events.push(
        { type: 'connection.opened', id, connection: {} } as EventObject,
        { type: 'connection.failed', id, error: new Error('lost') } as EventObject,
        { type: 'connection.closed', id } as EventObject,
        { type: 'pool.retire', id } as EventObject,
        { type: 'pool.fail', id, error: new Error('broken') } as EventObject,
        // What XState sends when a child reaches its final state: the supervisor forgets it then.
        { type: `xstate.done.actor.${id}`, actorId: id } as EventObject,
      );
    }
    return events;
  },
};

const plans = transitionPlans(machine, options);

test('xstate/graph reaches every state of the pool machine', (t) => {
  const reached = new Set(reachableStates(machine, options).map((s) => s.split(' ')[0]));
  t.deepEqual(
    [...reached].sort(),
    Object.keys(poolMachine.root.states)
      .map((k) => JSON.stringify(k))
      .sort(),
  );
  t.true(plans.length >= 10, `only ${plans.length} transitions`);
});

for (const plan of plans) {
  test(`pool path: ${plan.title}`, (t) => {
    heard.length = 0;
    const clock = new VirtualClock();
    const actor = createActor(machine, { input, clock: xstateClock(clock.scheduler) });
    actor.on('*', (e) => void heard.push(`${e.type.slice('connection.'.length)} ${e.ref.id}`));
    actor.start();
    for (const step of plan.steps) {
      actor.send(step.event as Parameters<typeof actor.send>[0]);
      t.deepEqual(actor.getSnapshot().value, step.value, `after ${step.event.type}`);
    }
    const last = plan.steps.at(-1)?.event as EventObject & { id?: string };
    const before = plan.steps.at(-2)?.value ?? 'running';
    // Reports about a child are emitted to the runtime within the send, except a late open while
    // draining: the supervisor closes that connection itself and never lends it.
    const lateOpen = last.type === 'connection.opened' && before === 'draining';
    // The runtime's lifecycle commands reach the child they name through the supervisor.
    const child = (id: string) =>
      (
        actor.getSnapshot().context.connections[id] as { getSnapshot(): { value: unknown } } | undefined
      )?.getSnapshot().value;
    // While draining, the child was already told to close, and a closing stub hears nothing more.
    if (last.type === 'pool.retire' && last.id !== undefined) t.is(child(last.id), 'closing');
    else if (last.type === 'pool.fail' && last.id !== undefined)
      t.is(child(last.id), before === 'draining' ? 'closing' : 'failing');
    else if (last.id !== undefined)
      t.is(heard.includes(`${last.type.slice('connection.'.length)} ${last.id}`), !lateOpen);
    t.is(shape(actor.getSnapshot()), plan.target);
    actor.stop();
  });
}
