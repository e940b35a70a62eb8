import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { filter, firstValueFrom } from 'rxjs';
import type { Driver, WriteGate } from '../driver.js';
import { createPool, hybridDriver, sqliteDriver, threadDriver } from '../../index.js';
import { tempDir } from '../../test/helpers.js';

// The faults here are a driver's WriteGate that throws, which no built-in gate does: a stand-in
// gate (the port is public, a custom driver may bring its own) on a real SQLite file stands for it.

/**
 * A gate held by this process alone on paper (`processes` 2, never contended); `fault` decides when
 * a read of `processes` throws, `contendedFault` when a read of `contended` does.
 */
function faultyGate(
  fault: () => boolean,
  contendedFault: () => boolean = () => false,
): WriteGate & { open: () => void } {
  let open: () => void = () => undefined;
  const entered = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    enter: () => entered,
    leave: () => undefined,
    get contended(): boolean {
      if (contendedFault()) throw new Error('the gate broke');
      return false;
    },
    get processes(): number {
      if (fault()) throw new Error('the gate broke');
      return 2;
    },
    onYield: () => undefined,
    stats: () => ({ waits: 0, waitMs: 0, processes: 2, fallbacks: 0, hosting: false }),
  };
}

/** `driver` with `gate` as its write gate (methods bound to the real driver). */
function withGate(driver: Driver, gate: WriteGate): Driver {
  return new Proxy(driver, {
    get: (target, key) => {
      if (key === 'writeGate') return gate;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const drivers = {
  inline: (filename: string) => sqliteDriver({ filename, lane: false }),
  // Writes run inline until one is measured slow, as in a bot.
  'threads: true': (filename: string) => hybridDriver({ filename, lane: false }),
  "threads: 'all'": (filename: string) => threadDriver({ filename, lane: false }),
};

/**
 * Twenty writers at once on a pool whose gate throws once: from the timer that resumes a long run
 * of local grants (`when` 'timer'), or from the lane's grant (`when` 'grant'). Every write still
 * lands, and the gate's error fails the write connection once (`connection.failed`).
 */
async function writesThrough(
  t: ExecutionContext,
  mode: keyof typeof drivers,
  when: 'timer' | 'grant' | 'opened',
): Promise<void> {
  const tmp = tempDir();
  const db = new Database(tmp.file());
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (i INT)');
  db.close();
  let armed = false;
  // 'opened': the lane is granted at once, and its grant reads `contended` first; the second read
  // is the hand-off of the write connection that opens for the writers already queued, from the
  // supervisor's event listener.
  let contendedReads = 0;
  const gate = faultyGate(
    () => armed && !(armed = false),
    () => when === 'opened' && ++contendedReads === 2,
  );
  if (when !== 'grant') gate.open();
  const pool = createPool({ driver: withGate(drivers[mode](tmp.file()), gate), acquireTimeoutMs: 30_000 });
  const failed: string[] = [];
  pool.events$.subscribe((e) => e.type === 'connection.failed' && failed.push(String(e.error)));
  t.teardown(() => pool.close().then(tmp.cleanup));
  // The writers pass the connection on in one chain of microtasks until the pool gives the event
  // loop a turn (after 8 grants in a row) and resumes from setImmediate. Immediates run in order:
  // this one, queued first, arms the fault for the gate read that resumes the chain.
  let writes: Promise<unknown>[];
  const many = (): Promise<unknown>[] =>
    Array.from({ length: 20 }, (_, i) => pool.write((c) => c.run('INSERT INTO t VALUES (?)', [i])));
  if (when === 'timer') {
    await pool.write((c) => c.exec('SELECT 1')); // the write connection open, the lane held
    // The writers pass the connection on in one chain of microtasks until the pool gives the
    // event loop a turn (after 8 grants in a row) and resumes them from setImmediate. Immediates
    // run in order: this one, queued before the chain starts, arms the fault for that resumption.
    writes = many();
    setImmediate(() => (armed = true));
  } else if (when === 'opened') {
    writes = many();
  } else {
    const opened = firstValueFrom(pool.events$.pipe(filter((e) => e.type === 'connection.opened')));
    writes = many();
    await opened; // the write connection is free, the lane not yet granted: grant it now
    armed = true;
    gate.open();
  }
  await Promise.all(writes);
  const n = await pool.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM t'));
  t.is(n?.n, 20);
  t.deepEqual(failed, ['Error: the gate broke'], "the write connection failed once, with the gate's error");
}

test('a gate that throws when the pool resumes its writers from setImmediate: the write connection fails, nothing escapes (inline)', (t) =>
  writesThrough(t, 'inline', 'timer'));

test('a gate that throws when the pool resumes its writers from setImmediate: the write connection fails, nothing escapes (threads: true)', (t) =>
  writesThrough(t, 'threads: true', 'timer'));

// threads: 'all' has no such timer: each statement crosses to the writer's thread, and the event
// loop turns between any two grants.

for (const mode of Object.keys(drivers) as (keyof typeof drivers)[])
  test(`a gate that throws when the lane is granted: the write connection fails, nothing escapes (${mode})`, (t) =>
    writesThrough(t, mode, 'grant'));

for (const mode of Object.keys(drivers) as (keyof typeof drivers)[])
  test(`a gate that throws as the write connection opens for queued writers: it fails, nothing escapes (${mode})`, (t) =>
    writesThrough(t, mode, 'opened'));
