import type { Scenario } from '../types.js';
import { awardXp, leaderboardRead, logMessage, profileRead } from './bot-ops.js';
import { weightedScenario } from './weighted-scenario.js';
import { PoolError } from '../../core/errors/errors.js';

const BOT_MIX = [
  [45, profileRead],
  [20, leaderboardRead],
  [15, logMessage],
  [17, awardXp()],
  [3, awardXp('turn')],
] as const;

/** Every scenario by name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'bot-mix': weightedScenario({
    name: 'bot-mix',
    description:
      'profile reads 45%, leaderboard 20%, message log 15%, XP awards 17%, awards that read, await one event-loop turn, then write 3%',
    defaultDurationMs: 3000,
    mix: BOT_MIX,
  }),
  'read-heavy': weightedScenario({
    name: 'read-heavy',
    description: 'profile reads 60%, leaderboard 35%, message log 5%',
    defaultDurationMs: 3000,
    mix: [
      [60, profileRead],
      [35, leaderboardRead],
      [5, logMessage],
    ],
  }),
  'write-heavy': weightedScenario({
    name: 'write-heavy',
    description: 'message log 50%, XP awards 30%, profile reads 20%',
    defaultDurationMs: 3000,
    mix: [
      [50, logMessage],
      [30, awardXp()],
      [20, profileRead],
    ],
  }),
  'long-transactions': weightedScenario({
    name: 'long-transactions',
    description: 'XP awards holding the write lock across a 5 ms await 30%, profile reads 70%',
    defaultDurationMs: 3000,
    mix: [
      [30, awardXp(5)],
      [70, profileRead],
    ],
  }),
  processes: weightedScenario({
    name: 'processes',
    description: 'bot-mix in 4 child processes (shards) on one file',
    defaultDurationMs: 3000,
    processes: 4,
    mix: BOT_MIX,
  }),
  soak: weightedScenario({
    name: 'soak',
    description: 'bot-mix for minutes: heap growth and retained leases',
    defaultDurationMs: 120_000,
    mix: BOT_MIX,
  }),
};

/**
 * The scenario registered under `name`; throws naming the valid ones.
 *
 * @example
 * ```ts
 * const s = scenarioByName('bot-mix');
 * ```
 */
export function scenarioByName(name: string): Scenario {
  const scenario = SCENARIOS[name];
  if (!scenario)
    throw new PoolError(
      'INVALID_ARGUMENT',
      `unknown scenario "${name}"; valid: ${Object.keys(SCENARIOS).join(', ')}`,
    );
  return scenario;
}
