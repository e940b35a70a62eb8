import test from 'ava';
import { getShortestPaths } from 'xstate/graph';
import { Bag } from '../core/lending/bag.js';
import { Housekeeping } from '../core/upkeep/housekeeping.js';
import { Lending } from '../core/lending/lending.js';
import { Lifecycle } from '../core/lifecycle/lifecycle.js';
import { LENDING_ACTIONS, lendingPath } from './lending.machine.js';

// The lending diagram is a description, so it is held to the code: every step it draws names a
// method that exists, and every request it draws ends (released, retired or rejected).

const PARTS: Record<string, object> = {
  Bag: Bag.prototype,
  Lending: Lending.prototype,
  Lifecycle: Lifecycle.prototype,
  Housekeeping: Housekeeping.prototype,
};

function exists(step: string): boolean {
  const [part, method] = step.split('.') as [string, string];
  const proto = PARTS[part];
  return proto !== undefined && typeof (proto as Record<string, unknown>)[method] === 'function';
}

test('every state of the lending diagram names a method of the pool parts', (t) => {
  for (const [name, node] of Object.entries(lendingPath.root.states)) {
    const step = (node.meta as { step?: string } | undefined)?.step;
    if (node.type === 'final') continue;
    t.true(step !== undefined && exists(step), `${name}: ${String(step)}`);
  }
});

test('every action of the lending diagram names a method of the pool parts', (t) => {
  const drawn = new Set<string>();
  for (const node of Object.values(lendingPath.root.states))
    for (const list of node.transitions.values())
      for (const tr of list)
        for (const a of tr.actions) drawn.add(typeof a === 'string' ? a : (a as { type: string }).type);
  t.deepEqual([...drawn].sort(), Object.keys(LENDING_ACTIONS).sort());
  for (const [action, step] of Object.entries(LENDING_ACTIONS)) t.true(exists(step), `${action}: ${step}`);
  t.false(exists('Lending.settle'), 'the check can fail: a step that is gone');
});

test('every state of the lending path is reachable, and a request can end three ways', (t) => {
  const reached = new Set(getShortestPaths(lendingPath).map((p) => String(p.state.value)));
  t.deepEqual([...reached].sort(), Object.keys(lendingPath.root.states).sort());
  const finals = Object.entries(lendingPath.root.states).filter(([, n]) => n.type === 'final');
  t.deepEqual(finals.map(([k]) => k).sort(), ['rejected', 'released', 'retired']);
});
