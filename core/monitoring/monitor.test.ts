import test from 'ava';
import { firstValueFrom, filter, map, race, skip } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, type Pool, type PoolOptions } from '../../index.js';
import { postgresDriver } from '../../postgres.js';
import { filePool } from '../../test/helpers.js';
import { withPostgres } from '../../test/pg-server.js';
import { keepAlive } from '../time/unref-scheduler.js';

// The pool's own monitoring (stats$, the stats table, the alert checks) is not a listener of
// events$: only a user's subscriber silences the Node warnings, and a user's subscriber gets every
// alert as `pool.alert`, whether or not anybody subscribes to alerts$. The warning tests run one at
// a time: process warnings are per process.

const MODES = [false, true, 'all'] as const;

/** Node warnings with one of the pool's codes, emitted while `work` runs. */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const codes: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    if (w.code?.startsWith('ROAS_POOL_')) codes.push(w.code);
  };
  process.on('warning', onWarning);
  try {
    await work();
    // process.emitWarning delivers on the next tick.
    await sleep(1);
    return codes;
  } finally {
    process.off('warning', onWarning);
  }
}

/** Holds a write lease until the leak watch has reported it, then closes with it still held. */
async function leakAndClose(pool: Pool): Promise<void> {
  const lease = await pool.acquire({ mode: 'write' });
  while (pool.stats().leaks === 0) await sleep(5);
  const closing = pool.close();
  await sleep(1);
  lease.release();
  await closing;
}

/** A pool for one test, and what removes what it left; `label` names the mode. */
type Make = (options: Partial<PoolOptions>) => { pool: Pool; done: () => Promise<void> };

function monitorTests(label: string, make: Make): void {
  const monitors = {
    'a stats table': { statsTable: { intervalMs: 60_000 } },
    'a stats$ subscriber': {},
  } as const;
  for (const [name, extra] of Object.entries(monitors)) {
    test.serial(
      `${label}: with ${name} and no events$ listener, a leak and a waiting close still warn`,
      async (t) => {
        const { pool, done } = make({
          leakDetectionThresholdMs: 20,
          closeTimeoutMs: 60_000,
          ...extra,
        });
        const stats = name === 'a stats$ subscriber' ? pool.stats$.subscribe() : undefined;
        const codes = await warningsDuring(() => leakAndClose(pool));
        stats?.unsubscribe();
        t.deepEqual(codes, ['ROAS_POOL_LEASE_LEAKED', 'ROAS_POOL_CLOSE_WAITING']);
        await done();
      },
    );
  }

  test.serial(`${label}: a user's events$ subscriber still silences the warnings`, async (t) => {
    const { pool, done } = make({ leakDetectionThresholdMs: 20, closeTimeoutMs: 60_000 });
    pool.events$.subscribe(() => undefined);
    t.deepEqual(await warningsDuring(() => leakAndClose(pool)), []);
    await done();
  });

  test(`${label}: a leak reaches events$ as a pool.alert with nobody on alerts$`, async (t) => {
    const { pool, done } = make({ leakDetectionThresholdMs: 20, statsIntervalMs: 10 });
    // The pool's timers are unref'd: hold the process until the alert comes.
    const release = keepAlive();
    t.teardown(release);
    // The alert, or three snapshots that saw the leak without it (the check runs on each).
    const alert = firstValueFrom(
      race(
        pool.events$.pipe(filter((e) => e.type === 'pool.alert' && e.code === 'LEASE_LEAKED')),
        pool.stats$.pipe(
          filter((s) => s.window.leaks > 0),
          skip(2),
          map(() => 'no alert'),
        ),
      ),
    );
    const lease = await pool.acquire({ mode: 'write' });
    t.like(await alert, { level: 'critical', cleared: false });
    lease.release();
    await done();
  });
}

for (const threads of MODES)
  monitorTests(`threads: ${threads}`, (options) => filePool({ threads, ...options }));

withPostgres((server) => {
  monitorTests('PostgreSQL', (options) => {
    const pool = createPool({ driver: postgresDriver({ connectionString: server().url }), ...options });
    return { pool, done: () => pool.close() };
  });
});
