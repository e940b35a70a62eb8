import test from 'ava';
import fc from 'fast-check';
import { GateTurns } from '../core/lending/gate-turns.js';
import { gateTurnsProperty, RestartingTurns } from './gate-turns.js';
import { InvariantError } from './invariants.js';
import { SEED } from './seed.js';

// Serial: each run patches performance.now for the process while it runs.
test.serial(
  'a turn on the lane ends within one turn of the first word that another process waits',
  async (t) => {
    const details = await fc.check(gateTurnsProperty(GateTurns), { seed: SEED, numRuns: 500 });
    t.false(details.failed, String(details.errorInstance));
  },
);

test.serial('catches a turn whose clock restarts each time another process queues', async (t) => {
  const details = await fc.check(gateTurnsProperty(RestartingTurns), { seed: 42, numRuns: 500 });
  t.true(details.failed, 'the property passed on broken turns');
  t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
  t.is((details.errorInstance as InvariantError).invariant, 'turn-bounded');
  t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
});
