import Database from 'better-sqlite3';
import fc from 'fast-check';
import { nodeSqliteDriver } from '../adapters/drivers/node-sqlite/node-sqlite.js';
import { existsSync } from 'node:fs';
import { sqliteDriver } from '../adapters/drivers/sqlite/sqlite.js';
import { hybridDriver } from '../adapters/drivers/threads/hybrid-driver.js';
import { threadDriver } from '../adapters/drivers/threads/thread-driver.js';
import type { Driver } from '../core/driver.js';
import { tempDir } from '../test/helpers.js';
import { AbortCommand } from './commands/abort.js';
import { AcquireReadCommand } from './commands/acquire-read.js';
import { AcquireTimeoutCommand } from './commands/acquire-timeout.js';
import { AcquireWriteCommand } from './commands/acquire-write.js';
import { CloseCommand } from './commands/close.js';
import { DoubleReleaseCommand } from './commands/double-release.js';
import { FailConnectionCommand } from './commands/fail-connection.js';
import { FailOpenCommand } from './commands/fail-open.js';
import { NestedTransactionCommand } from './commands/nested-transaction.js';
import { ReleaseCommand } from './commands/release.js';
import { ResizeCommand } from './commands/resize.js';
import { StepCommand } from './commands/step.js';
import { TickCommand } from './commands/tick.js';
import { UseAfterReleaseCommand } from './commands/use-after-release.js';
import { realPool, type PoolClass } from './inspectable-pool.js';
import { InvariantError, checkInvariants } from './invariants.js';
import { memoryDriver } from './memory-driver.js';
import { flush, holders, newModel, type Model, type Real } from './model.js';
import { nestedStepsArbitrary } from './nested-plan.js';
import { scheduledDriver } from './scheduled-driver.js';
import { VirtualClock } from './virtual-clock.js';

/** Which driver a property runs on. */
export type DriverKind = 'memory' | 'sqlite' | 'threads' | 'hybrid' | 'node-sqlite';

export interface ModelPropertyOptions {
  driver: DriverKind;
  /** The pool under test; a broken variant to show that the property catches it. */
  poolClass?: PoolClass;
  maxCommands?: number;
}

/** The command mix; weights by repetition. */
export function commandsArbitrary(maxCommands: number) {
  const pick = fc.nat(7);
  const nested = fc
    .tuple(nestedStepsArbitrary, fc.boolean())
    .map(([plan, outerFails]) => new NestedTransactionCommand(plan, outerFails));
  return fc.commands(
    [
      fc.constant(new AcquireReadCommand()),
      fc.constant(new AcquireReadCommand()),
      fc.constant(new AcquireWriteCommand()),
      fc.constant(new AcquireWriteCommand()),
      fc
        .tuple(fc.constantFrom('read' as const, 'write' as const), fc.integer({ min: 0, max: 30 }))
        .map(([mode, ms]) => new AcquireTimeoutCommand(mode, ms)),
      pick.map((i) => new ReleaseCommand(i)),
      pick.map((i) => new ReleaseCommand(i)),
      pick.map((i) => new DoubleReleaseCommand(i)),
      pick.map((i) => new UseAfterReleaseCommand(i)),
      pick.map((i) => new AbortCommand(i)),
      pick.map((i) => new FailConnectionCommand(i)),
      fc.constant(new FailOpenCommand()),
      fc.integer({ min: 1, max: 4 }).map((n) => new StepCommand(n)),
      fc.integer({ min: 1, max: 4 }).map((n) => new StepCommand(n)),
      fc.integer({ min: 0, max: 40 }).map((ms) => new TickCommand(ms)),
      fc.constant(new ResizeCommand()),
      nested,
      nested,
      fc.constant(new CloseCommand()),
    ],
    { maxCommands },
  );
}

const limitsArbitrary = fc.record({
  max: fc.integer({ min: 2, max: 4 }),
  min: fc.integer({ min: 0, max: 1 }),
  maxWaiting: fc.integer({ min: 1, max: 6 }),
});

function makeDriver(
  kind: DriverKind,
  s: fc.Scheduler,
): { driver: Driver; real: Pick<Real, 'log' | 'faults' | 'rows'> } & {
  cleanup(): void;
} {
  const schedule = <T>(task: Promise<T>, label: string) => s.schedule(task, label);
  if (kind === 'memory') {
    const driver = memoryDriver(schedule);
    const rows = () => [...driver.rows].sort((a, b) => a - b);
    return { driver, real: { log: driver.log, faults: driver.faults, rows }, cleanup: () => undefined };
  }
  const tmp = tempDir('roas-pool-prop-');
  const filename = tmp.file();
  // Hybrid with threshold 0: every read outside a transaction goes to a reader thread.
  const inner =
    kind === 'threads'
      ? threadDriver({ filename })
      : kind === 'hybrid'
        ? hybridDriver({ filename, offloadThresholdMs: 0 })
        : kind === 'node-sqlite'
          ? nodeSqliteDriver({ filename })
          : sqliteDriver({ filename });
  const driver = scheduledDriver(inner, schedule);
  const rows = () => committedRows(tmp.file());
  return { driver, real: { log: driver.log, faults: undefined, rows }, cleanup: tmp.cleanup };
}

/** The ids in table `nest` of the database file, read on a connection of its own. */
function committedRows(file: string): number[] {
  // A run that closed before any connection opened never created the file: nothing committed.
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { id: number }>('SELECT id FROM nest ORDER BY id')
      .all()
      .map((row) => row.id);
  } catch {
    return []; // no table yet: no nested transaction committed
  } finally {
    db.close();
  }
}

/**
 * Closes the pool, gives back every lease and lets every scheduled promise and due timer run, then
 * checks the end state: close resolved, every acquire settled, no lease, no connection, no timer.
 */
export async function closeAndSettle(m: Model, r: Real): Promise<void> {
  if (!m.closed) {
    m.closed = true;
    r.closing = r.pool.close();
  }
  let closed = false;
  let closeError: unknown;
  r.closing?.then(
    () => (closed = true),
    (err: unknown) => (closeError = err),
  );
  for (let round = 0; round < 100; round++) {
    for (const t of holders(m)) {
      t.released = true;
      t.lease?.release();
    }
    await r.s.waitIdle();
    r.clock.advance(0);
    await flush();
    if (r.s.count() === 0 && holders(m).length === 0) break;
  }
  checkInvariants(m, r);
  if (closeError !== undefined) throw new InvariantError('close', `close() rejected: ${String(closeError)}`);
  if (!closed) throw new InvariantError('close', `close() hangs: ${JSON.stringify(r.pool.stats())}`);
  const open = m.acquires.filter((t) => t.settlements !== 1);
  if (open.length > 0) throw new InvariantError('settles-once', `acquire #${open[0]?.id} never settled`);
  const st = r.pool.stats();
  if (st.total !== 0 || st.opening !== 0 || st.leased !== 0)
    throw new InvariantError('close', `left after close: ${JSON.stringify(st)}`);
  if (r.log.opened !== r.log.closed)
    throw new InvariantError('close', `driver: ${r.log.opened} opened, ${r.log.closed} closed`);
  if (r.clock.pending() !== 0) throw new InvariantError('no-timers', `${r.clock.pending()} timers armed`);
}

/**
 * The model-based property: random commands, driver promises settled in a random order, the
 * invariants after every command, and the end state after close.
 *
 * @example
 * ```ts
 * await fc.assert(poolModelProperty({ driver: 'memory' }), { numRuns: 1000, seed: 42 });
 * ```
 */
export function poolModelProperty(options: ModelPropertyOptions) {
  return fc.asyncProperty(
    fc.scheduler(),
    limitsArbitrary,
    commandsArbitrary(options.maxCommands ?? 40),
    (s, limits, cmds) => runCommands(options, s, limits, cmds),
  );
}

/** Pool limits a run uses. */
export interface Limits {
  max: number;
  min: number;
  maxWaiting: number;
}

/** Runs one command sequence on a fresh pool, then closes and checks the end state. */
export async function runCommands(
  options: ModelPropertyOptions,
  s: fc.Scheduler,
  limits: Limits,
  cmds: Iterable<fc.AsyncCommand<Model, Real>>,
): Promise<void> {
  const PoolCtor = options.poolClass ?? realPool;
  const clock = new VirtualClock();
  const made = makeDriver(options.driver, s);
  const pool = PoolCtor({ driver: made.driver, ...limits, scheduler: clock.scheduler });
  const m = newModel(limits.max, limits.maxWaiting);
  const r: Real = { pool, clock, s, ...made.real, closing: undefined };
  // The model closes with leases held on purpose and checks what follows itself: it takes the
  // pool's events, so the pool prints no close-waiting or leak warning for it.
  const events = pool.events$.subscribe(() => undefined);
  try {
    await fc.asyncModelRun(() => ({ model: m, real: r }), cmds);
    await closeAndSettle(m, r);
  } finally {
    events.unsubscribe();
    made.cleanup();
  }
}

/**
 * A fixed command sequence (a pinned counterexample) under every scheduler order fast-check tries.
 *
 * @example
 * ```ts
 * await fc.assert(scenarioProperty('memory', { max: 2, min: 0, maxWaiting: 1 }, () => [new AcquireReadCommand()]));
 * ```
 */
export function scenarioProperty(
  driver: DriverKind,
  limits: Limits,
  cmds: () => fc.AsyncCommand<Model, Real>[],
  poolClass?: PoolClass,
) {
  return fc.asyncProperty(fc.scheduler(), (s) => runCommands({ driver, poolClass }, s, limits, cmds()));
}
