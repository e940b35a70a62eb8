import test from 'ava';
import { createActor, fromPromise, type EventObject } from 'xstate';
import type { DriverConnection } from '../core/driver.js';
import { xstateClock } from '../core/time/clock.js';
import { memoryDriver } from '../properties/memory-driver.js';
import { VirtualClock } from '../properties/virtual-clock.js';
import { reachableStates, transitionPlans, type PlanOptions } from '../test/machine-paths.js';
import { connectionMachine, type ConnectionInput } from './connection.machine.js';

// Every reachable state and every transition of the connection machine, found by xstate/graph
// and executed on a live actor: the driver's open and close are controlled promises, reports to
// the parent are recorded, and a virtual clock stands in for time.

const driver = memoryDriver();
const input: ConnectionInput = { id: 'c1', role: 'reader', driver };

/** A sample event for each type a state accepts, so new transitions are explored without edits. */
function sample(type: string): EventObject {
  if (type === 'connection.fail') return { type, error: new Error('disk I/O error') } as EventObject;
  if (type.startsWith('xstate.error.actor.'))
    return { type, error: new Error('driver failed') } as EventObject;
  if (type.startsWith('xstate.done.actor.')) return { type, output: { closed: false } } as EventObject;
  return { type };
}

const options: PlanOptions<ConnectionInput> = {
  input,
  events: (snapshot) => {
    const nodes = (snapshot as unknown as { _nodes: { transitions: Map<string, unknown> }[] })._nodes;
    return [...new Set(nodes.flatMap((n) => [...n.transitions.keys()]))].map(sample);
  },
  serializeState: (s) =>
    `${JSON.stringify(s.value)}${(s.context as { closeRequested: boolean }).closeRequested ? '+closeRequested' : ''}`,
};

/** A live actor whose invoked promises the test settles, with its reports to the parent. */
function live() {
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const controlled = <T>(name: string) =>
    fromPromise<T, never>(() => new Promise<T>((resolve, reject) => pending.set(name, { resolve, reject })));
  const reports: string[] = [];
  const clock = new VirtualClock();
  const machine = connectionMachine.provide({
    actors: {
      openConnection: controlled<DriverConnection>('openConnection') as never,
      closeConnection: controlled<void>('closeConnection') as never,
    },
    actions: {
      reportOpened: () => void reports.push('opened'),
      reportFailed: () => void reports.push('failed'),
      reportClosed: () => void reports.push('closed'),
    },
  });
  const actor = createActor(machine, { input, clock: xstateClock(clock.scheduler) });
  actor.start();
  return {
    actor,
    reports,
    async fire(event: EventObject): Promise<void> {
      const m = /^xstate\.(done|error)\.actor\.\d+\.connection\.(\w+)$/.exec(event.type);
      const after = /^xstate\.after\.(\d+)\./.exec(event.type);
      if (m) {
        const src = m[2] === 'opening' ? 'openConnection' : 'closeConnection';
        const settle = pending.get(src);
        if (!settle) throw new Error(`nothing invoked for ${event.type}`);
        pending.delete(src);
        const conn = { close: () => Promise.resolve() } as unknown as DriverConnection;
        if (m[1] === 'done') settle.resolve(conn);
        else settle.reject((event as EventObject & { error: Error }).error);
        await new Promise((resolve) => setImmediate(resolve));
      } else if (after) {
        clock.advance(Number(after[1]));
      } else {
        actor.send(event as Parameters<typeof actor.send>[0]);
      }
    },
  };
}

// The traversal computes transitions without a parent, so the reports to it are stubbed there too.
const traversable = connectionMachine.provide({
  actions: { reportOpened: () => undefined, reportFailed: () => undefined, reportClosed: () => undefined },
});
const plans = transitionPlans(traversable, options);

test('xstate/graph reaches every state of the connection machine', (t) => {
  const reached = new Set(reachableStates(traversable, options).map((s) => s.replace(/\+.*/, '')));
  const declared = Object.keys(connectionMachine.root.states).map((k) => JSON.stringify(k));
  t.deepEqual([...reached].sort(), declared.sort());
  t.true(plans.length >= 8, `only ${plans.length} transitions`);
});

for (const plan of plans) {
  test(`connection path: ${plan.title}`, async (t) => {
    const { actor, reports, fire } = live();
    for (const step of plan.steps) {
      await fire(step.event);
      t.deepEqual(actor.getSnapshot().value, step.value, `after ${step.event.type}`);
    }
    // A final state reports itself to the parent; a connection that reached open reported opened.
    const final = actor.getSnapshot();
    if (final.status === 'done') t.is(reports.at(-1), String(final.value));
    if (plan.steps.some((s) => s.value === 'open')) t.true(reports.includes('opened'));
  });
}
