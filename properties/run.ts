/**
 * Explores the properties beyond CI: `npm run properties -- --runs 20000 --seed 7`.
 * Prints the seed of every property it runs; a failure prints fast-check's seed and path, which
 * `--seed S --path P` replays (add the shrunk case to regressions.test.ts).
 *
 * `--ci` (`npm run properties:ci`) runs the pinned seed (properties/seed.ts) and then the seed of
 * the commit under test (properties/commit-seed.ts): reproducible, and new with every commit.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { commitSeed } from './commit-seed.js';
import { poolModelProperty } from './pool-model.js';
import {
  abortRacingGrant,
  closeRacingAcquire,
  closeRacingValidation,
  factoryAlwaysFails,
  failureRacingHandoff,
  releaseRacingTimeout,
  readLoopsLetTheEventLoopTurn,
  readsWaitingForATurnHoldNoReader,
  unawaitedFailureInTransaction,
} from './races.js';
import { laneProperty } from './lane.js';
import { laneFileProperty } from './lane-file.js';
import { gateTurnsProperty } from './gate-turns.js';
import { threadDeathProperty } from './thread-death.js';
import { SEED } from './seed.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    only: { type: 'string' },
    'sqlite-share': { type: 'string', default: '0.05' },
    'threads-share': { type: 'string', default: '0.01' },
    ci: { type: 'boolean', default: false },
  },
});

const runs = Number(values.runs);
const seeds: { seed: number; from: string }[] = [];
if (values.ci) {
  seeds.push({ seed: SEED, from: 'pinned' });
  const commit = commitSeed();
  if (commit === undefined)
    console.log('no commit (not a git checkout, PROPERTIES_COMMIT unset): pinned seed only');
  else seeds.push(commit);
} else if (values.seed !== undefined) seeds.push({ seed: Number(values.seed), from: 'given' });
else seeds.push({ seed: Date.now() % 2 ** 31, from: 'random' });
const sqliteRuns = Math.max(1, Math.round(runs * Number(values['sqlite-share'])));
const threadRuns = Math.max(1, Math.round(runs * Number(values['threads-share'])));
const raceRuns = Math.max(1, Math.round(runs / 10));
// Each run boots real worker threads: a few runs a property.
const deathRuns = Math.max(1, Math.round(runs / 500));

type Check = (params: fc.Parameters<unknown>) => Promise<fc.RunDetails<unknown>>;
function checker<Ts extends unknown[]>(property: fc.IAsyncProperty<Ts>): Check {
  return (params) => fc.check(property, params as fc.Parameters<Ts>) as Promise<fc.RunDetails<unknown>>;
}

const properties: [string, Check, number][] = [
  ['model (memory)', checker(poolModelProperty({ driver: 'memory' })), runs],
  ['model (better-sqlite3)', checker(poolModelProperty({ driver: 'sqlite' })), sqliteRuns],
  ['model (hybrid, threads: true)', checker(poolModelProperty({ driver: 'hybrid' })), threadRuns],
  ["model (worker threads, threads: 'all')", checker(poolModelProperty({ driver: 'threads' })), threadRuns],
  ['race: release vs timeout', checker(releaseRacingTimeout('memory')), raceRuns],
  ['race: abort vs grant', checker(abortRacingGrant('memory')), raceRuns],
  ['race: close vs acquire', checker(closeRacingAcquire('memory')), raceRuns],
  ['race: close vs validation', checker(closeRacingValidation()), sqliteRuns],
  ['race: failure vs handoff', checker(failureRacingHandoff()), raceRuns],
  ['race: factory always fails', checker(factoryAlwaysFails()), raceRuns],
  ['model: thread death (hybrid)', checker(threadDeathProperty('hybrid')), deathRuns],
  ['model: thread death (all)', checker(threadDeathProperty('all')), deathRuns],
  ['race: unawaited failure in a transaction', checker(unawaitedFailureInTransaction()), raceRuns],
  [
    'lane protocol across processes',
    (params) => Promise.resolve(fc.check(laneProperty(), params as never) as fc.RunDetails<unknown>),
    runs,
  ],
  ['lane turns: one turn from the first word that another process waits', checker(gateTurnsProperty()), runs],
  [
    "lane's socket file (macOS): one host at the name",
    (params) => Promise.resolve(fc.check(laneFileProperty(), params as never) as fc.RunDetails<unknown>),
    runs,
  ],
  ['race: read loops and the event loop', checker(readLoopsLetTheEventLoopTurn()), Math.ceil(raceRuns / 20)],
  [
    'race: reads waiting for a turn hold no reader',
    checker(readsWaitingForATurnHoldNoReader()),
    Math.ceil(raceRuns / 20),
  ],
];

let failed = false;
const started = performance.now();
for (const { seed, from } of seeds) {
  console.log(`seed ${seed} (${from})`);
  for (const [name, check, numRuns] of properties) {
    if (values.only !== undefined && !name.includes(values.only)) continue;
    const t0 = performance.now();
    const details = await check({
      seed,
      numRuns,
      ...(values.path === undefined ? {} : { path: values.path, endOnFailure: true }),
    });
    const ms = Math.round(performance.now() - t0);
    console.log(
      `${details.failed ? 'FAIL' : 'ok  '} ${name}: ${details.numRuns} runs, seed ${seed}, ${ms} ms`,
    );
    if (details.failed) {
      failed = true;
      console.log(
        `  replay: npm run properties -- --seed ${seed} --path ${details.counterexamplePath} --only "${name}"`,
      );
      console.log(`  ${String(details.errorInstance)}`);
      console.log(fc.defaultReportMessage(details));
    }
  }
}
console.log(
  `seeds ${seeds.map((s) => `${s.seed} (${s.from})`).join(', ')}, ${runs} model runs each, ${Math.round(performance.now() - started)} ms in total`,
);
process.exitCode = failed ? 1 : 0;
