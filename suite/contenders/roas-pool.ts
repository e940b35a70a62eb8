import { performance } from 'node:perf_hooks';
import { createBotDb } from '../../adapters/faces/bot-db.js';
import type { Lease } from '../../core/lease/lease.js';
import type { PoolOptions } from '../../core/options/options.js';
import { Pool, type AcquireOptions, type RunOptions } from '../../core/pool.js';
import { defaultWiring } from '../../create-pool.js';
import type { Contender } from '../types.js';

/**
 * A pool that times every acquire: `acquire()`, and `read`/`write`/`transaction`, which lease
 * inside the pool without calling `acquire()`. For those three the wait runs from the call to the
 * callback, so a transaction's wait counts its `BEGIN IMMEDIATE` too (microseconds: the pool's one
 * writer never meets a lock in process), a little more than the peers' contenders time.
 */
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

  override read<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return super.read(this.#timed(fn), options);
  }

  override write<T>(fn: (lease: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return super.write(this.#timed(fn), options);
  }

  override transaction<T>(fn: (tx: Lease) => T | Promise<T>, options?: RunOptions): Promise<T> {
    return super.transaction(this.#timed(fn), options);
  }

  /** `fn`, recording the wait from now until its first call (a retried transaction calls it again). */
  #timed<T>(fn: (lease: Lease) => T | Promise<T>): (lease: Lease) => T | Promise<T> {
    const start = performance.now();
    let first = true;
    return (lease) => {
      if (first) {
        first = false;
        this.recordWait((performance.now() - start) * 1e6, lease.mode);
      }
      return fn(lease);
    };
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
