import { nodeSqliteDriver } from '../../adapters/drivers/node-sqlite/node-sqlite.js';
import type { Contender } from '../types.js';
import { roasPool } from './roas-pool.js';

/**
 * roas-pool on node:sqlite (`nodeSqliteDriver`, Node.js 22.16 and later) behind the bot facade:
 * the `roas-pool` contender with the other SQLite driver, for the two to be measured in one run.
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 3000, scenario: 'bot-mix', contender: roasPoolNodeSqlite() });
 * ```
 */
export function roasPoolNodeSqlite(label = 'roas-pool-node-sqlite'): Contender {
  return {
    name: label,
    description: 'roas-pool on nodeSqliteDriver (node:sqlite) behind createBotDb',
    // The driver takes the file, which the run names only at open.
    open: (context) =>
      roasPool({ driver: nodeSqliteDriver({ filename: context.filename }) }, label).open(context),
  };
}
