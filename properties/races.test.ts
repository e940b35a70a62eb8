import test from 'ava';
import fc from 'fast-check';
import { SEED } from './seed.js';
import {
  abortRacingGrant,
  closeDuringTransaction,
  closeRacingAcquire,
  closeRacingValidation,
  factoryAlwaysFails,
  failureRacingHandoff,
  releaseRacingTimeout,
  releaseWithoutAwait,
  readLoopsLetTheEventLoopTurn,
  readsWaitingForATurnHoldNoReader,
  unawaitedFailureInTransaction,
} from './races.js';

const memory = { seed: SEED, numRuns: 300 };
const sqlite = { seed: SEED, numRuns: 40 };

test('a release racing a timeout never loses the lease (knex #1694)', async (t) => {
  await fc.assert(releaseRacingTimeout('memory'), memory);
  await fc.assert(releaseRacingTimeout('sqlite'), sqlite);
  t.pass();
});

test('an abort racing a grant leaves no lease behind', async (t) => {
  await fc.assert(abortRacingGrant('memory'), memory);
  await fc.assert(abortRacingGrant('sqlite'), sqlite);
  t.pass();
});

test('an acquire racing close settles and close resolves (pg #2282, generic-pool #175)', async (t) => {
  await fc.assert(closeRacingAcquire('memory'), memory);
  await fc.assert(closeRacingAcquire('sqlite'), sqlite);
  t.pass();
});

test('a connection failure racing the handoff still serves the waiter', async (t) => {
  await fc.assert(failureRacingHandoff(), memory);
  t.pass();
});

test('a factory that always fails rejects every acquire and does not spin', async (t) => {
  await fc.assert(factoryAlwaysFails(), memory);
  t.pass();
});

test('close during an open transaction commits it whole or not at all', async (t) => {
  await fc.assert(closeDuringTransaction(), memory);
  t.pass();
});

test('a release without awaiting never costs the next holder an acknowledged write', async (t) => {
  await fc.assert(releaseWithoutAwait(), memory);
  t.pass();
});

test('a statement not awaited that fails keeps its transaction from committing', async (t) => {
  await fc.assert(unawaitedFailureInTransaction(), memory);
  t.pass();
});

test('loops of awaited acquires or reads let a macrotask run while they go on', async (t) => {
  await fc.assert(readLoopsLetTheEventLoopTurn(), { seed: SEED, numRuns: 20 });
  t.pass();
});

test('reads that arrive while a turn is due hold no reader across it, and none queues', async (t) => {
  await fc.assert(readsWaitingForATurnHoldNoReader(), { seed: SEED, numRuns: 20 });
  t.pass();
});

test('an acquire validating a connection when close() starts is granted before it or refused', async (t) => {
  await fc.assert(closeRacingValidation(), sqlite);
  t.pass();
});
