import test from 'ava';
import fc from 'fast-check';
import { InvariantError } from './invariants.js';
import { DeadHolderQueue, DoubleGrantQueue, laneProperty, SilentRevokeQueue } from './lane.js';
import { LaneQueue } from '../adapters/lane/lane-queue.js';
import { SEED } from './seed.js';

test('the lane protocol keeps one holder, serves in arrival order, and frees a dead or hung holder’s grant', (t) => {
  const details = fc.check(laneProperty(), { seed: SEED, numRuns: 1000 });
  t.false(details.failed, String(details.errorInstance));
});

for (const [name, Queue, invariant] of [
  ['a grant given twice', DoubleGrantQueue, 'one-writer'],
  ['a dead holder’s grant never freed', DeadHolderQueue, 'served'],
  ['a hung holder revoked without being told', SilentRevokeQueue, 'one-writer'],
] as const) {
  test(`catches ${name}`, (t) => {
    const details = fc.check(laneProperty(Queue), { seed: 42, numRuns: 500 });
    t.true(details.failed, 'the property passed on a broken lane');
    t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
    t.is((details.errorInstance as InvariantError).invariant, invariant);
    t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
  });
}

test('catches a late grant kept by a process that gave up waiting while the host hung', (t) => {
  const details = fc.check(laneProperty(LaneQueue, 'ignore'), { seed: 42, numRuns: 500 });
  t.true(details.failed, 'the property passed on a broken lane');
  t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
  t.is((details.errorInstance as InvariantError).invariant, 'served');
  t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
});

test('catches a refused claim kept: a process that wrote before it found the lane goes on believing it holds it', (t) => {
  const details = fc.check(laneProperty(LaneQueue, 'return', 'keep'), { seed: 42, numRuns: 500 });
  t.true(details.failed, 'the property passed on a broken lane');
  t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
  t.is((details.errorInstance as InvariantError).invariant, 'one-writer');
  t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
});
