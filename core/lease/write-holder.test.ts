import test from 'ava';
import { createPool, isPoolError, type PoolOptions } from '../../index.js';
import { SQLITE_MODES, tempDir } from '../../test/helpers.js';

// Holding an acquire() write lease, then calling pool.write(), waits for itself (issue 29, item 3):
// the ACQUIRE_TIMEOUT must name that lease as the holder and say the fix, not only "raise max".
async function timeoutWhileHolding(options: Partial<PoolOptions>, holdWith: 'acquire' | 'write') {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), acquireTimeoutMs: 50, ...options });
  try {
    let release = (): void => undefined;
    let holder: Promise<unknown> = Promise.resolve();
    if (holdWith === 'acquire') {
      // Its own deadline: a writer thread may take longer than 50 ms to start.
      const lease = await pool.acquire({ mode: 'write', timeoutMs: 10_000 });
      release = () => lease.release();
    } else {
      const out = new Promise<void>((resolve) => (release = resolve));
      await new Promise<void>((started) => {
        holder = pool.write(() => (started(), out), { timeoutMs: 10_000 });
      });
    }
    const err: unknown = await pool.write((db) => db.exec('SELECT 1')).catch((e: unknown) => e);
    release();
    await holder;
    return err;
  } finally {
    await pool.close();
    tmp.cleanup();
  }
}

for (const [mode, threads] of SQLITE_MODES) {
  test(`${mode}: ACQUIRE_TIMEOUT behind an acquire() write lease names it, where it was taken, and the fix`, async (t) => {
    const err = await timeoutWhileHolding({ threads, leakDetectionThresholdMs: 60_000 }, 'acquire');
    t.true(isPoolError(err, 'ACQUIRE_TIMEOUT'), String(err));
    const message = (err as Error).message;
    t.regex(message, /held by a lease from acquire\(\{ mode: 'write' \}\), still out after \d+ ms/);
    t.regex(message, /acquired at [^]*write-holder\.test\.ts/);
    t.regex(message, /release that lease first, or do this work on it/);
  });
}

test('without recorded stacks it says how to record where the lease was taken', async (t) => {
  const err = await timeoutWhileHolding({}, 'acquire');
  t.regex((err as Error).message, /unrecorded place \(set leakDetectionThresholdMs/);
});

test('behind a pool.write() callback the timeout blames no acquire() lease', async (t) => {
  const err = await timeoutWhileHolding({}, 'write');
  t.true(isPoolError(err, 'ACQUIRE_TIMEOUT'), String(err));
  t.notRegex((err as Error).message, /held by a lease from acquire/);
});
