import type { Scheduler } from 'fast-check';
import type { Lease, LeaseMode } from '../core/lease/lease.js';
import { PoolError } from '../core/errors/errors.js';
import type { Pool } from '../core/pool.js';
import type { VirtualClock } from './virtual-clock.js';

/** One acquire the model issued, and how it settled. */
export interface Tracked {
  readonly id: number;
  readonly mode: LeaseMode;
  readonly deadline: number;
  readonly abort: AbortController;
  /** The pool was closed when this acquire was made. */
  readonly afterClose: boolean;
  status: 'waiting' | 'granted' | 'rejected';
  settlements: number;
  lease: Lease | undefined;
  code: string | undefined;
  released: boolean;
}

/** The model: holders, waiters per lane in arrival order, the write lane, open or closed. */
export interface Model {
  readonly max: number;
  readonly maxWaiting: number;
  readonly acquires: Tracked[];
  closed: boolean;
  /** The ids of table `nest` that committed transactions left (commands/nested-transaction.ts). */
  rows: Set<number>;
  nextRow: number;
  /** Broken invariants seen by promise callbacks between checks. */
  readonly violations: string[];
}

/** The system under test. */
export interface Real {
  readonly pool: Pool;
  readonly clock: VirtualClock;
  readonly s: Scheduler;
  /** Opens attempted, opened and closed by the driver, whichever it is. */
  readonly log: { openAttempts: number; opened: number; closed: number; useAfterClose: number };
  /** Fault switches; undefined on a driver that cannot inject them. */
  readonly faults: { failOpens: number; alwaysFail: boolean } | undefined;
  closing: Promise<void> | undefined;
  /** The ids committed in table `nest`, read from the database itself, ascending. */
  rows(): number[];
}

export function newModel(max: number, maxWaiting: number): Model {
  return { max, maxWaiting, acquires: [], closed: false, rows: new Set(), nextRow: 1, violations: [] };
}

/** Leases granted and not released, in grant order. */
export function holders(m: Model): Tracked[] {
  return m.acquires.filter((a) => a.status === 'granted' && !a.released);
}

/** Acquires still waiting, in arrival order. */
export function waiting(m: Model): Tracked[] {
  return m.acquires.filter((a) => a.status === 'waiting');
}

/** Leases already released, for double release and use after release. */
export function releasedLeases(m: Model): Tracked[] {
  return m.acquires.filter((a) => a.released);
}

/** Issues an acquire and records how it settles; FIFO order is checked as grants arrive. */
export function issueAcquire(m: Model, r: Real, mode: LeaseMode, timeoutMs: number): Tracked {
  const { pool, clock } = r;
  // maxWaiting bounds the waiters of both lanes together.
  const waiting = pool.stats().waiting;
  const t: Tracked = {
    id: m.acquires.length,
    mode,
    deadline: clock.now() + timeoutMs,
    abort: new AbortController(),
    afterClose: m.closed,
    status: 'waiting',
    settlements: 0,
    lease: undefined,
    code: undefined,
    released: false,
  };
  m.acquires.push(t);
  pool.acquire({ mode, timeoutMs, signal: t.abort.signal }).then(
    (lease) => {
      t.settlements++;
      t.status = 'granted';
      t.lease = lease;
      if (t.afterClose) m.violations.push(`closed: acquire #${t.id} granted after close`);
      if (lease.mode !== mode) m.violations.push(`mode: acquire #${t.id} asked ${mode}, got ${lease.mode}`);
      // Every earlier waiter of the same lane must have settled before this one is served.
      const skipped = m.acquires.find((a) => a.id < t.id && a.mode === mode && a.status === 'waiting');
      if (skipped) m.violations.push(`fifo: acquire #${t.id} served before #${skipped.id} (${mode})`);
    },
    (err: unknown) => {
      t.settlements++;
      t.status = 'rejected';
      t.code = err instanceof PoolError ? err.code : String(err);
      if (t.afterClose && t.code !== 'POOL_CLOSED')
        m.violations.push(`closed: acquire #${t.id} after close rejected with ${t.code}`);
      if (t.code === 'POOL_EXHAUSTED' && waiting < m.maxWaiting)
        m.violations.push(`exhausted: acquire #${t.id} rejected with ${waiting} waiting`);
      if (t.code === 'ACQUIRE_TIMEOUT' && clock.now() < t.deadline)
        m.violations.push(`timeout: acquire #${t.id} timed out before its deadline`);
    },
  );
  return t;
}

/** Lets every callback that is not held by the fast-check scheduler run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
