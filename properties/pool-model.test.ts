import test from 'ava';
import fc from 'fast-check';
import { poolModelProperty } from './pool-model.js';
import { SEED } from './seed.js';

// The CI runs: a fixed seed, thousands of interleavings on the fake driver, fewer on SQLite.
// `npm run properties -- --runs N --seed S` explores further.

test('every invariant holds under random commands and interleavings (memory driver)', async (t) => {
  await fc.assert(poolModelProperty({ driver: 'memory' }), { seed: SEED, numRuns: 1000 });
  t.pass();
});

test('every invariant holds under random commands and interleavings (better-sqlite3)', async (t) => {
  await fc.assert(poolModelProperty({ driver: 'sqlite' }), { seed: SEED, numRuns: 60 });
  t.pass();
});

test('every invariant holds under random commands and interleavings (worker threads)', async (t) => {
  await fc.assert(poolModelProperty({ driver: 'threads' }), { seed: SEED, numRuns: 15 });
  t.pass();
});

test('every invariant holds under random commands and interleavings (hybrid: reads on threads)', async (t) => {
  await fc.assert(poolModelProperty({ driver: 'hybrid' }), { seed: SEED, numRuns: 15 });
  t.pass();
});
