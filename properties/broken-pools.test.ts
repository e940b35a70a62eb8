import test from 'ava';
import fc from 'fast-check';
import { BROKEN_POOLS } from './broken-pools.js';
import { InvariantError } from './invariants.js';
import { poolModelProperty } from './pool-model.js';

// The properties can fail: each deliberately broken pool must be caught, by the invariant aimed at
// its bug, within a fixed seed's runs.
for (const variant of BROKEN_POOLS) {
  test(`catches ${variant.name}`, async (t) => {
    const details = await fc.check(poolModelProperty({ driver: 'memory', poolClass: variant.poolClass }), {
      seed: 42,
      numRuns: 500,
    });
    t.true(details.failed, 'the property passed on a broken pool');
    const error = details.errorInstance;
    t.true(error instanceof InvariantError, String(error));
    t.true(variant.caughtBy.includes((error as InvariantError).invariant), String(error));
    t.log(`caught after ${details.numRuns} runs: ${String(error)}`);
  });
}
