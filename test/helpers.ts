import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool, type PoolOptions } from '../index.js';
import type { WriteGate } from '../core/driver.js';

/** Folders made by tempDir() and not yet cleaned up; removed when the test process exits. */
const made = new Set<string>();
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh folder for one test's database files, removed by the returned cleanup, and in any case
 * when the test process exits (a failed assertion skips the cleanup call; the folder still goes).
 */
export function tempDir(prefix = 'roas-pool-'): {
  dir: string;
  file: (name?: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return {
    dir,
    file: (name = 'bot.db') => join(dir, name),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      made.delete(dir);
    },
  };
}

/** Resolves after the current macrotask, letting timers and I/O callbacks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The state of a promise right now, without waiting for it: 'pending', 'fulfilled' or 'rejected'. */
export async function promiseState(p: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const marker = Symbol('pending');
  try {
    const v = await Promise.race([p, Promise.resolve(marker)]);
    return v === marker ? 'pending' : 'fulfilled';
  } catch {
    return 'rejected';
  }
}

/** A pool on a fresh SQLite file of its own, and `done()`, which closes it and removes the folder. */
export function filePool(options: Partial<PoolOptions> = {}): {
  pool: Pool;
  file: string;
  done: () => Promise<void>;
} {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), ...options });
  return {
    pool,
    file: tmp.file(),
    async done() {
      await pool.close();
      tmp.cleanup();
    },
  };
}

/** The table `t (id, w, i)` the pool tests write to. */
export async function withTable(pool: Pool): Promise<void> {
  await pool.write((db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, i INT)'));
}

/** The SQLite modes a fix is tested in, each with its name in test titles and its `threads` option. */
export const SQLITE_MODES = [
  ['inline', false],
  ['threads: true', true],
  ["threads: 'all'", 'all'],
] as const;

/**
 * The options that put a pool's statements on worker threads: every statement (`'all'`), or,
 * in the hybrid mode, every statement at once rather than after it is measured.
 */
export function threadModeOptions(mode: 'all' | 'hybrid'): Partial<PoolOptions> {
  return mode === 'all' ? { threads: 'all' } : { threads: true, offloadThresholdMs: 0 };
}

/**
 * The acquire deadline for tests whose pool starts worker threads: a thread loads the TypeScript
 * sources as it starts, which takes seconds on a busy machine, so only a real hang fails a test.
 */
export const SLOW_START_MS = 120_000;

/**
 * A stand-in for a driver's cross-process write gate (`WriteGate`), for the pool's turns on the
 * lane without processes: entered at once, shared by `processes`; `yielded()` is the
 * coordinator's word that another process waits, and makes the gate contended.
 */
export function standInGate(processes: number, contended = false): { gate: WriteGate; yielded: () => void } {
  let onYield = (): void => undefined;
  const gate = {
    enter: () => Promise.resolve(),
    leave: () => undefined,
    contended,
    processes,
    onYield: (listener: () => void) => void (onYield = listener),
    stats: () => ({ waits: 0, waitMs: 0, processes, fallbacks: 0, hosting: false }),
  };
  return {
    gate,
    yielded: () => {
      gate.contended = true;
      onYield();
    },
  };
}
