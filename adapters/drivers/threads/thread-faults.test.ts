import test from 'ava';
import { isPoolError } from '../../../core/errors/errors.js';
import type { Pool } from '../../../core/pool.js';
import { createPool } from '../../../create-pool.js';
import { SLOW_START_MS, tempDir, threadModeOptions } from '../../../test/helpers.js';
import { ThreadHost } from './thread-host.js';
import type { ThreadConnection } from './thread-connection.js';
import { threadDriver } from './thread-driver.js';

// Requests that cannot reach a worker thread, a worker that is sent a message it cannot handle,
// and a thread that cannot be started: every caller is answered, nothing is thrown past a
// listener or left unhandled (AVA fails a test on either), and close() completes.

const MODES = ['all', 'hybrid'] as const;

function threadPool(mode: (typeof MODES)[number]): { pool: Pool; cleanup: () => void } {
  const tmp = tempDir('roas-thread-faults-');
  const pool = createPool({
    filename: tmp.file(),
    acquireTimeoutMs: SLOW_START_MS,
    ...threadModeOptions(mode),
  });
  return { pool, cleanup: tmp.cleanup };
}

/** The next process warning with `code` (tests of this file run side by side: filter by code). */
function warning(code: string): Promise<Error> {
  return new Promise((resolve) => {
    const listener = (w: Error & { code?: string }): void => {
      if (w.code !== code) return;
      process.off('warning', listener);
      resolve(w);
    };
    process.on('warning', listener);
  });
}

async function ready(pool: Pool): Promise<void> {
  await (pool.driver as Partial<{ ready(): Promise<void> }>).ready?.();
}

for (const mode of MODES) {
  test(`${mode}: a parameter that cannot be sent to a thread rejects with INVALID_ARGUMENT naming it; the lease goes back and close completes`, async (t) => {
    const { pool, cleanup } = threadPool(mode);
    await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'));
    await ready(pool);
    const fn = (): number => 1;
    // Sent in the same turn as good requests: they share the batch, and must still be answered.
    const [good, bad, named, after] = await pool.read((db) =>
      Promise.allSettled([
        db.get('SELECT ? AS v', [1], { offload: true }),
        db.get('SELECT ? AS a, ? AS b', [2, fn], { offload: true }),
        db.all('SELECT @v AS v', { v: Symbol('s') }, { offload: true }),
        db.get('SELECT ? AS v', [3], { offload: true }),
      ]),
    );
    t.deepEqual(good, { status: 'fulfilled', value: { v: 1 } });
    t.deepEqual(after, { status: 'fulfilled', value: { v: 3 } });
    for (const [settled, where, kind] of [
      [bad, 'parameter 2', 'a function'],
      [named, 'parameter @v', 'a symbol'],
    ] as const) {
      t.is(settled.status, 'rejected');
      const reason = (settled as PromiseRejectedResult).reason as Error;
      t.true(isPoolError(reason, 'INVALID_ARGUMENT'), String(reason));
      t.true(reason.message.includes(`${where} is ${kind}`), reason.message);
    }
    if (mode === 'all') {
      const err = await pool
        .read((db) => db.getMany('SELECT ? AS v', [[1], [fn]]))
        .catch((e: unknown) => e as Error);
      t.regex((err as Error).message, /parameter set 2, parameter 1 is a function/);
      // Statement texts taught by a batch that failed to send still reach the worker.
      t.deepEqual(await pool.read((db) => db.getMany('SELECT ? AS v', [[5]])), [{ v: 5 }]);
    }
    t.is(pool.stats().leased, 0);
    t.is(pool.stats().failed, 0);
    await pool.close();
    cleanup();
  });
}

test('a worker that is sent a message it cannot handle goes on serving the next ones', async (t) => {
  const tmp = tempDir('roas-thread-faults-');
  const driver = threadDriver({ filename: tmp.file(), readerThreads: 1 });
  const conn = (await driver.open('writer')) as ThreadConnection;
  const warned = warning('ROAS_POOL_THREAD_FAULT');
  // Malformed on purpose (only the driver writes these messages): each made the worker's queue
  // reject for good, and every later request waited forever.
  conn.link.worker.postMessage(null);
  conn.link.worker.postMessage({ type: 'batch', first: 1e9, learn: 5, conns: [], ops: [] });
  t.deepEqual(await conn.get('SELECT 1 AS one'), { one: 1 });
  t.regex((await warned).message, /a worker thread could not handle a message/);
  await conn.close();
  await driver.dispose?.();
  tmp.cleanup();
});

test('a thread that cannot be started fails the open that needs it, with no unhandled rejection', async (t) => {
  const tmp = tempDir('roas-thread-faults-');
  // A symbol does not clone into workerData: `new Worker` throws, as a refused thread would.
  const pragmas = { cache_size: Symbol('not cloneable') as unknown as number };
  const pool = createPool({
    driver: threadDriver({ filename: tmp.file(), pragmas }),
    acquireTimeoutMs: SLOW_START_MS,
  });
  const err = await pool.read((db) => db.get('SELECT 1')).catch((e: unknown) => e as Error);
  t.true(isPoolError(err, 'CONNECTION_FAILED'), String(err));
  t.is((err?.cause as Error).name, 'DataCloneError');
  await pool.close();
  // The host both drivers share: starting its threads ahead of demand reports nothing unhandled.
  const host = new ThreadHost({ options: { filename: tmp.file(), pragmas } }, 2);
  host.start();
  // DataCloneError is a DOMException, which AVA's t.throws() does not take for an Error.
  const thrown = ((): unknown => {
    try {
      return host.link(0);
    } catch (e) {
      return e;
    }
  })();
  t.is((thrown as Error).name, 'DataCloneError');
  await host.dispose();
  tmp.cleanup();
});

test('a loss listener that throws does not escape the exit listener, and the thread’s other connections still hear', async (t) => {
  const tmp = tempDir('roas-thread-faults-');
  const driver = threadDriver({ filename: tmp.file(), readerThreads: 1 });
  // Two readers on the one reader thread: a death there is told to both.
  const first = (await driver.open('reader')) as ThreadConnection;
  const second = (await driver.open('reader')) as ThreadConnection;
  t.is(first.link, second.link);
  // A defect of whoever listens (here on purpose): thrown on, it crashed the process from the
  // Worker's 'exit' listener and left the other connection's requests unanswered.
  first.onLost(() => {
    throw new Error('a listener with a bug');
  });
  const heard = new Promise<Error>((resolve) => second.onLost(resolve));
  const warned = warning('ROAS_POOL_THREAD_HANDLER_THREW');
  const inFlight = second.get('SELECT 1').catch((e: unknown) => e);
  await first.terminate();
  t.true(isPoolError(await inFlight, 'CONNECTION_LOST'));
  t.regex((await heard).message, /worker thread lost/);
  t.regex((await warned).message, /a worker thread's event handler threw: Error: a listener with a bug/);
  await first.close();
  await second.close();
  await driver.dispose?.();
  tmp.cleanup();
});
