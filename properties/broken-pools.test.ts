import test from 'ava';
import fc from 'fast-check';
import {
  BROKEN_POOLS,
  CloseForgetsWaitersPool,
  DeafAbortPool,
  ForgetfulTimeoutPool,
  RollbackWithoutRevokePool,
  StaleMirrorPool,
  NeverYieldingPool,
  WriteHandOffNeverYieldsPool,
  UntrackedStatementsPool,
  ValidateThroughClosePool,
  ReaderHeldAcrossTurnPool,
} from './broken-pools.js';
import { InvariantError } from './invariants.js';
import { poolModelProperty } from './pool-model.js';
import {
  abortRacingGrant,
  closeDuringTransaction,
  closeRacingAcquire,
  closeRacingValidation,
  releaseRacingTimeout,
  releaseWithoutAwait,
  readLoopsLetTheEventLoopTurn,
  readsWaitingForATurnHoldNoReader,
  unawaitedFailureInTransaction,
} from './races.js';

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

// The race properties can fail too: each catches the broken pool its race is about.
const raceRuns = { seed: 42, numRuns: 300 };
const RACES: [string, () => Promise<fc.RunDetails<unknown>>, string[]][] = [
  [
    'release racing timeout',
    async () => (await fc.check(releaseRacingTimeout('memory', ForgetfulTimeoutPool), raceRuns)) as never,
    ['lease-lost'],
  ],
  [
    'abort racing grant',
    async () => (await fc.check(abortRacingGrant('memory', DeafAbortPool), raceRuns)) as never,
    ['settles-once'],
  ],
  [
    'close racing acquire',
    async () => (await fc.check(closeRacingAcquire('memory', CloseForgetsWaitersPool), raceRuns)) as never,
    ['settles-once', 'close'],
  ],
  [
    'close during an open transaction',
    async () => (await fc.check(closeDuringTransaction(RollbackWithoutRevokePool), raceRuns)) as never,
    ['all-or-nothing'],
  ],
  [
    'close racing validation',
    async () => (await fc.check(closeRacingValidation(ValidateThroughClosePool), raceRuns)) as never,
    ['settles-once'],
  ],
  [
    'release without awaiting',
    async () => (await fc.check(releaseWithoutAwait(StaleMirrorPool), raceRuns)) as never,
    ['acknowledged-kept'],
  ],
  [
    'unawaited failure in a transaction',
    async () => (await fc.check(unawaitedFailureInTransaction(UntrackedStatementsPool), raceRuns)) as never,
    ['all-or-nothing'],
  ],
  [
    'read loops and the event loop',
    async () =>
      (await fc.check(readLoopsLetTheEventLoopTurn(NeverYieldingPool), { seed: 42, numRuns: 5 })) as never,
    ['event-loop-turns'],
  ],
  [
    'reads waiting for a turn',
    async () =>
      (await fc.check(readsWaitingForATurnHoldNoReader(ReaderHeldAcrossTurnPool), {
        seed: 42,
        numRuns: 5,
      })) as never,
    ['reads-hold-no-reader-across-a-turn'],
  ],
  [
    'write loops and the event loop',
    async () =>
      (await fc.check(readLoopsLetTheEventLoopTurn(WriteHandOffNeverYieldsPool, ['write']), {
        seed: 42,
        numRuns: 5,
      })) as never,
    ['event-loop-turns'],
  ],
];

for (const [race, property, caughtBy] of RACES) {
  test(`the ${race} race catches its broken pool`, async (t) => {
    const details = await property();
    t.true(details.failed, 'the race passed on a broken pool');
    const error = details.errorInstance;
    t.true(error instanceof InvariantError && caughtBy.includes(error.invariant), String(error));
    t.log(`caught after ${details.numRuns} runs: ${String(error)}`);
  });
}
