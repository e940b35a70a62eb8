/**
 * Explores the properties beyond CI: `npm run properties -- --runs 20000 --seed 7`.
 * Prints the seed of every property it runs; a failure prints fast-check's seed and path, which
 * `--seed S --path P` replays (add the shrunk case to regressions.test.ts).
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { poolModelProperty } from './pool-model.js';
import {
  abortRacingGrant,
  closeRacingAcquire,
  closeRacingValidation,
  factoryAlwaysFails,
  failureRacingHandoff,
  releaseRacingTimeout,
  readLoopsLetTheEventLoopTurn,
  unawaitedFailureInTransaction,
} from './races.js';
import { threadDeathProperty } from './thread-death.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    only: { type: 'string' },
    'sqlite-share': { type: 'string', default: '0.05' },
  },
});

const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const sqliteRuns = Math.max(1, Math.round(runs * Number(values['sqlite-share'])));
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
  ['race: release vs timeout', checker(releaseRacingTimeout('memory')), raceRuns],
  ['race: abort vs grant', checker(abortRacingGrant('memory')), raceRuns],
  ['race: close vs acquire', checker(closeRacingAcquire('memory')), raceRuns],
  ['race: close vs validation', checker(closeRacingValidation()), sqliteRuns],
  ['race: failure vs handoff', checker(failureRacingHandoff()), raceRuns],
  ['race: factory always fails', checker(factoryAlwaysFails()), raceRuns],
  ['model: thread death (hybrid)', checker(threadDeathProperty('hybrid')), deathRuns],
  ['model: thread death (all)', checker(threadDeathProperty('all')), deathRuns],
  ['race: unawaited failure in a transaction', checker(unawaitedFailureInTransaction()), raceRuns],
  ['race: read loops and the event loop', checker(readLoopsLetTheEventLoopTurn()), Math.ceil(raceRuns / 20)],
];

let failed = false;
const started = performance.now();
for (const [name, check, numRuns] of properties) {
  if (values.only !== undefined && !name.includes(values.only)) continue;
  const t0 = performance.now();
  const details = await check({
    seed,
    numRuns,
    ...(values.path === undefined ? {} : { path: values.path, endOnFailure: true }),
  });
  const ms = Math.round(performance.now() - t0);
  console.log(`${details.failed ? 'FAIL' : 'ok  '} ${name}: ${details.numRuns} runs, seed ${seed}, ${ms} ms`);
  if (details.failed) {
    failed = true;
    console.log(
      `  replay: npm run properties -- --seed ${seed} --path ${details.counterexamplePath} --only '${name}'`,
    );
    console.log(`  ${String(details.errorInstance)}`);
    console.log(fc.defaultReportMessage(details));
  }
}
console.log(`seed ${seed}, ${runs} model runs, ${Math.round(performance.now() - started)} ms in total`);
process.exitCode = failed ? 1 : 0;
