import type { Contender } from '../types.js';
import { genericPoolContender } from './generic-pool.js';
import { kyselyRoasPool, kyselySqlite } from './kysely.js';
import { naive } from './naive.js';
import { roasPool } from './roas-pool.js';
import { roasPoolNodeSqlite } from './roas-pool-node-sqlite.js';
import { tarn } from './tarn.js';
import { PoolError } from '../../core/errors/errors.js';

/**
 * Every contender the CLI and the `processes` shards can name. Add a roas-pool mode (worker
 * threads, another driver) by adding an entry here.
 */
export const CONTENDERS: Readonly<Record<string, () => Contender>> = {
  naive: () => naive(),
  'naive-bt0': () => naive(0),
  tarn: () => tarn(),
  'generic-pool': () => genericPoolContender(),
  'roas-pool': () => roasPool(),
  // Worker-thread modes: hybrid (cheap statements inline, heavy reads on threads), and all.
  'roas-pool-hybrid': () => roasPool({ threads: true }, 'roas-pool-hybrid'),
  'roas-pool-threads': () => roasPool({ threads: 'all' }, 'roas-pool-threads'),
  // node:sqlite (Node.js 22.16 and later), inline.
  'roas-pool-node-sqlite': () => roasPoolNodeSqlite(),
  'kysely-sqlite': () => kyselySqlite(),
  'kysely-roas-pool': () => kyselyRoasPool(),
};

/** The contenders of `roas-pool bench` when none are named. */
export const DEFAULT_CONTENDERS = ['naive', 'naive-bt0', 'tarn', 'generic-pool', 'roas-pool'] as const;

/**
 * The contender registered under `name`; throws naming the valid ones.
 *
 * @example
 * ```ts
 * const c = contenderByName('tarn');
 * ```
 */
export function contenderByName(name: string): Contender {
  const make = CONTENDERS[name];
  if (!make)
    throw new PoolError(
      'INVALID_ARGUMENT',
      `unknown contender "${name}"; valid: ${Object.keys(CONTENDERS).join(', ')}`,
    );
  return make();
}

export { naive, tarn, genericPoolContender, roasPool, kyselySqlite, kyselyRoasPool };
