import test from 'ava';
import fc from 'fast-check';
import { AbortCommand } from './commands/abort.js';
import { AcquireReadCommand } from './commands/acquire-read.js';
import { AcquireWriteCommand } from './commands/acquire-write.js';
import { CloseCommand } from './commands/close.js';
import { FailConnectionCommand } from './commands/fail-connection.js';
import { ReleaseCommand } from './commands/release.js';
import { StepCommand } from './commands/step.js';
import { TickCommand } from './commands/tick.js';
import { AcquireTimeoutCommand } from './commands/acquire-timeout.js';
import { NestedTransactionCommand } from './commands/nested-transaction.js';
import { poolModelProperty, scenarioProperty } from './pool-model.js';
import { failureRacingHandoff } from './races.js';

// Every counterexample the properties found, pinned twice: as the seed and path that found it
// (replayable while the command mix is unchanged) and as the shrunk command sequence itself
// (which survives changes to the arbitraries).

test('an aborted last waiter leaves no deadline timer armed after close (found: seed 1, path 18:0:0:0)', async (t) => {
  await fc.assert(
    scenarioProperty('memory', { max: 2, min: 0, maxWaiting: 1 }, () => [
      new AcquireReadCommand(),
      new AbortCommand(0),
      new CloseCommand(),
    ]),
    { seed: 1, numRuns: 20 },
  );
  await fc.assert(poolModelProperty({ driver: 'memory' }), { seed: 1, path: '18:0:0:0', endOnFailure: true });
  t.pass();
});

test('a connection that finishes opening during close is not counted as leased (found: seed 1, path 275:2:3:20:17:0:0:0:2:5)', async (t) => {
  await fc.assert(
    scenarioProperty('memory', { max: 2, min: 0, maxWaiting: 1 }, () => [
      new AcquireWriteCommand(),
      new AcquireReadCommand(),
      new StepCommand(1),
      new CloseCommand(),
      new StepCommand(1),
    ]),
    { seed: 1, numRuns: 50 },
  );
  t.pass();
});

test('the only reader dying while a caller waits is replaced, not reported as CONNECTION_FAILED (found: failureRacingHandoff, seed 20261125, path 7)', async (t) => {
  await fc.assert(failureRacingHandoff(), { seed: 20261125, path: '7', endOnFailure: true });
  await fc.assert(failureRacingHandoff(), { seed: 20261125, numRuns: 50 });
  t.pass();
});

test('close does not run its final optimize on a writer that opened during the close (found: seed 20261125, path 871:3:10:14:17:17)', async (t) => {
  await fc.assert(
    scenarioProperty('memory', { max: 3, min: 1, maxWaiting: 3 }, () => [
      new StepCommand(1),
      new AcquireReadCommand(),
      new AcquireWriteCommand(),
      new TickCommand(0),
      new AcquireTimeoutCommand('read', 0),
      new CloseCommand(),
      new StepCommand(3),
    ]),
    { seed: 20261125, numRuns: 100 },
  );
  // The seed's path does not replay once the command mix has changed: the shrunk sequence above
  // is the pin (it fails at its first run without the fix).
  t.pass();
});

for (const driver of ['sqlite', 'hybrid', 'threads'] as const) {
  test(`a run that closes before any connection opened has no database file, and nothing committed (found: seed 769404962, path 47:0:0:4:1; ${driver})`, async (t) => {
    // The harness read the committed rows from a file that was never created.
    await fc.assert(
      scenarioProperty(driver, { max: 2, min: 0, maxWaiting: 1 }, () => [
        new CloseCommand(),
        new NestedTransactionCommand([], false),
      ]),
      { seed: 769404962, numRuns: driver === 'sqlite' ? 20 : 3 },
    );
    t.pass();
  });
}

test('a transaction on a connection that dies of a statement its previous holder released before it settled fails LEASE_REVOKED and commits nothing (found: seed 2280325595, path 33:0:0:0:12:11:8:9:8:8:8)', async (t) => {
  // The model took that failure for a nesting fault; the pool refuses the rest of the transaction,
  // rightly: its connection failed (disk I/O error).
  await fc.assert(
    scenarioProperty('memory', { max: 2, min: 0, maxWaiting: 1 }, () => [
      new AcquireWriteCommand(),
      new StepCommand(1),
      new FailConnectionCommand(0),
      new ReleaseCommand(0),
      new NestedTransactionCommand([], false),
    ]),
    { seed: 2280325595, numRuns: 100 },
  );
  t.pass();
});
