import type { Scheduler } from 'fast-check';
import { nodeSqliteDriver } from '../adapters/drivers/node-sqlite/node-sqlite.js';
import { sqliteDriver } from '../adapters/drivers/sqlite/sqlite.js';
import { PoolError } from '../core/errors/errors.js';
import type { Lease } from '../core/lease/lease.js';
import { tempDir } from '../test/helpers.js';
import { realPool, type PoolClass } from './inspectable-pool.js';
import type { Pool } from '../core/pool.js';
import { InvariantError } from './invariants.js';
import { memoryDriver, type MemoryDriver, type MemoryDriverLog } from './memory-driver.js';
import { flush } from './model.js';
import type { DriverKind } from './pool-model.js';
import { scheduledDriver } from './scheduled-driver.js';
import { VirtualClock } from './virtual-clock.js';

/** How one acquire ended, as a race sees it. */
export interface Outcome {
  status: 'waiting' | 'granted' | 'rejected';
  lease: Lease | undefined;
  code: string | undefined;
}

/** A pool on a virtual clock and a scheduled driver, for one race. */
export interface Race {
  readonly pool: Pool;
  readonly clock: VirtualClock;
  readonly log: MemoryDriverLog;
  /** The memory driver's fault switches; undefined on SQLite. */
  readonly memory: MemoryDriver | undefined;
  /** Records how an acquire settles. */
  track(acquire: Promise<Lease>): Outcome;
  /** Runs `fn` when the scheduler picks it, racing everything else scheduled. */
  later(label: string, fn: () => void): void;
  /** Lets every scheduled task and due timer run. */
  settle(): Promise<void>;
  /** Closes the pool and checks it ends empty: no lease, connection or timer left. */
  finish(): Promise<void>;
}

/**
 * Builds a race on the memory or SQLite driver.
 *
 * @example
 * ```ts
 * const race = raceOn('memory', s, { max: 2 });
 * race.later('release', () => lease.release());
 * ```
 */
export function raceOn(
  kind: DriverKind,
  s: Scheduler,
  options: {
    max: number;
    poolClass?: PoolClass;
    closeTimeoutMs?: number;
    answerLater?: boolean;
    validateAfterIdleMs?: number;
  },
): Race {
  const schedule = <T>(task: Promise<T>, label: string) => s.schedule(task, label);
  const tmp = kind === 'sqlite' || kind === 'node-sqlite' ? tempDir('roas-pool-race-') : undefined;
  const memory = tmp ? undefined : memoryDriver(schedule, { answerLater: options.answerLater });
  const filename = tmp?.file() ?? '';
  const driver =
    memory ??
    scheduledDriver(
      kind === 'node-sqlite' ? nodeSqliteDriver({ filename }) : sqliteDriver({ filename }),
      schedule,
    );
  const clock = new VirtualClock();
  const PoolCtor = options.poolClass ?? realPool;
  const pool = PoolCtor({
    driver,
    max: options.max,
    scheduler: clock.scheduler,
    ...(options.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: options.closeTimeoutMs }),
    ...(options.validateAfterIdleMs === undefined
      ? {}
      : { validateAfterIdleMs: options.validateAfterIdleMs }),
  });
  // Races close with leases held on purpose and check the outcome themselves: taking the pool's
  // events keeps it from printing close-waiting and leak warnings for them.
  const events = pool.events$.subscribe(() => undefined);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 50; i++) {
      await s.waitIdle();
      clock.advance(0);
      await flush();
      if (s.count() === 0) return;
    }
  };
  return {
    pool,
    clock,
    memory,
    log: memory?.log ?? (driver as ReturnType<typeof scheduledDriver>).log,
    settle,
    track(acquire) {
      const outcome: Outcome = { status: 'waiting', lease: undefined, code: undefined };
      acquire.then(
        (lease) => Object.assign(outcome, { status: 'granted', lease }),
        (err: unknown) =>
          Object.assign(outcome, {
            status: 'rejected',
            code: err instanceof PoolError ? err.code : String(err),
          }),
      );
      return outcome;
    },
    later(label, fn) {
      void s.schedule(Promise.resolve(), label).then(fn);
    },
    async finish() {
      let closed = false;
      void pool.close().then(() => (closed = true));
      await settle();
      const st = pool.stats();
      try {
        if (!closed) throw new InvariantError('close', `close() hangs: ${JSON.stringify(st)}`);
        if (st.total + st.opening + st.leased !== 0)
          throw new InvariantError('close', `left after close: ${JSON.stringify(st)}`);
        const log = memory?.log ?? (driver as ReturnType<typeof scheduledDriver>).log;
        if (log.opened !== log.closed)
          throw new InvariantError('close', `driver: ${log.opened} opened, ${log.closed} closed`);
        if (clock.pending() !== 0) throw new InvariantError('no-timers', `${clock.pending()} timers armed`);
      } finally {
        events.unsubscribe();
        tmp?.cleanup();
      }
    },
  };
}

/** Throws an InvariantError unless `ok`. */
export function expect(ok: boolean, invariant: string, detail: () => string): void {
  if (!ok) throw new InvariantError(invariant, detail());
}
