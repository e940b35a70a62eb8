import test from 'ava';
import fc from 'fast-check';
import { poolModelProperty } from './pool-model.js';
import { closeRacingAcquire } from './races.js';
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

test('the model and the races close with leases held on purpose, and no warning is printed for it', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => void warnings.push(`${w.code}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await fc.assert(poolModelProperty({ driver: 'memory' }), { seed: SEED, numRuns: 200 });
    await fc.assert(closeRacingAcquire('memory'), { seed: SEED, numRuns: 30 });
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  t.deepEqual(
    warnings.filter((w) => w.startsWith('ROAS_POOL')),
    [],
  );
});
