import test from 'ava';
import fc from 'fast-check';
import { InvariantError } from './invariants.js';
import { BEFORE, laneFileProperty, NO_HEAL } from './lane-file.js';
import { SEED } from './seed.js';

test('processes racing for a socket file, hosts killed or closed and the file removed: one host at the name, everyone with it', (t) => {
  const details = fc.check(laneFileProperty(), { seed: SEED, numRuns: 2000 });
  t.false(details.failed, String(details.errorInstance));
});

for (const [name, rules, cleaner] of [
  ['the version before, in a race of processes alone (no file removed by anyone else)', BEFORE, false],
  ['a host that never checks that its file is still its own, once a cleaner removes it', NO_HEAL, true],
] as const) {
  test(`catches ${name}`, (t) => {
    const details = fc.check(laneFileProperty(rules, cleaner), { seed: 42, numRuns: 2000 });
    t.true(details.failed, 'the property passed on broken rules');
    t.true(details.errorInstance instanceof InvariantError, String(details.errorInstance));
    t.is((details.errorInstance as InvariantError).invariant, 'one-host');
    t.log(`caught after ${details.numRuns} runs: ${String(details.errorInstance)}`);
  });
}
