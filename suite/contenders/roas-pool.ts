import { performance } from 'node:perf_hooks';
import { createBotDb } from '../../adapters/faces/bot-db.js';
import type { Lease } from '../../core/lease.js';
import type { PoolOptions } from '../../core/options.js';
import { Pool, type AcquireOptions } from '../../core/pool.js';
import { defaultWiring } from '../../create-pool.js';
import type { Contender } from '../types.js';

/** A pool that times every acquire, its own `read`/`write`/`transaction` included. */
export class TimedPool extends Pool {
  constructor(
    options: PoolOptions,
    private readonly recordWait: (ns: number, mode: 'read' | 'write') => void,
  ) {
    super(options, defaultWiring);
  }

  override acquire(options?: AcquireOptions): Promise<Lease> {
    const start = performance.now();
    return super.acquire(options).then((lease) => {
      this.recordWait((performance.now() - start) * 1e6, lease.mode);
      return lease;
    });
  }
}

/**
 * roas-pool behind the bot facade (`createBotDb`), as a bot would use it. `options` are passed to
 * the pool (for example `{ max: 10 }`); `label` names the mode in reports.
 *
 * @example
 * ```ts
 * await runConcurrentTest({ workers: 20, durationMs: 5000, scenario: 'bot-mix', contender: roasPool() });
 * ```
 */
export function roasPool(options: Omit<PoolOptions, 'filename'> = {}, label = 'roas-pool'): Contender {
  return {
    name: label,
    description: `roas-pool ${JSON.stringify(options)} behind createBotDb`,
    async open({ filename, recordWait }) {
      const pool = new TimedPool(options.driver ? options : { ...options, filename }, recordWait);
      const db = createBotDb(pool);
      return {
        db: () => db,
        sample: () => {
          const s = pool.stats();
          return { size: s.total, leased: s.leased, waiting: s.waiting };
        },
        close: () => pool.close(),
      };
    },
  };
}
