import test from 'ava';
import fc from 'fast-check';
import { InvariantError } from './invariants.js';
import { SEED } from './seed.js';
import { forgetInFlightOnDeath, threadDeathProperty } from './thread-death.js';

// Worker threads stopped for real at random points of transactions, reads and cursors left in
// flight: a pinned seed here, any seed with `npm run properties -- --only death --seed S`.

for (const mode of ['hybrid', 'all'] as const) {
  test(`${mode}: worker threads killed at random points break no promise of the pool`, async (t) => {
    await fc.assert(threadDeathProperty(mode), { seed: SEED, numRuns: 4 });
    t.pass();
  });
}

test('catches a driver that forgets the requests in flight when its thread dies', async (t) => {
  const details = await fc.check(threadDeathProperty('all', forgetInFlightOnDeath), {
    seed: SEED,
    numRuns: 10,
  });
  t.true(details.failed, 'the property passed on a broken driver');
  t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
  t.is((details.errorInstance as InvariantError).invariant, 'settles', String(details.errorInstance));
  t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
});
