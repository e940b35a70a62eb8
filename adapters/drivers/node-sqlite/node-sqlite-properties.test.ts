import test from 'ava';
import fc from 'fast-check';
import { poolModelProperty } from '../../../properties/pool-model.js';
import { abortRacingGrant, closeRacingAcquire, releaseRacingTimeout } from '../../../properties/races.js';
import { SEED } from '../../../properties/seed.js';
import { nodeSqliteAvailable } from './node-sqlite-module.js';

// The model and the races that run on better-sqlite3 (properties/), run on node:sqlite, with the
// same seed and runs. Below Node 22.16 there is no node:sqlite: skipped (no-build.test.ts asserts
// the typed error instead).
const nodeTest = nodeSqliteAvailable() ? test : test.skip;

nodeTest('node:sqlite: every invariant holds under random commands and interleavings', async (t) => {
  await fc.assert(poolModelProperty({ driver: 'node-sqlite' }), { seed: SEED, numRuns: 60 });
  t.pass();
});

nodeTest(
  'node:sqlite: a release racing a timeout, an abort racing a grant, an acquire racing close',
  async (t) => {
    const runs = { seed: SEED, numRuns: 40 };
    await fc.assert(releaseRacingTimeout('node-sqlite'), runs);
    await fc.assert(abortRacingGrant('node-sqlite'), runs);
    await fc.assert(closeRacingAcquire('node-sqlite'), runs);
    t.pass();
  },
);
