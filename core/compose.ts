import { Observable, Subject, Subscription } from 'rxjs';
import type { PoolAlert } from '../streams/alerts.js';
import { Bag, type BagHost } from './lending/bag.js';
import { PoolError } from './errors/errors.js';
import type { PoolLifecycleEvent } from './monitoring/events.js';
import { Housekeeping, type HousekeepingHost, type WriteRunner } from './upkeep/housekeeping.js';
import { Lending } from './lending/lending.js';
import type { LendingHost } from './lending/lending-host.js';
import { Lifecycle, type LifecycleHost } from './lifecycle/lifecycle.js';
import { PoolMetrics } from './monitoring/metrics.js';
import { monitorPool } from './monitoring/monitor.js';
import { Nesting, type NestingHost } from './lease/nesting.js';
import { resolveOptions, type PoolOptions } from './options/options.js';
import type {
  HousekeepingPart,
  LendingPart,
  LifecyclePart,
  NestingPart,
  PoolRuntime,
  ShutdownPart,
} from './pool-runtime.js';
import type { PoolWiring, StatsTableHost } from './pool-wiring.js';
import { PoolSizing } from './sizing/pool-sizing.js';
import { poolStats } from './monitoring/pool-stats.js';
import { Shutdown, type ShutdownHost } from './lifecycle/shutdown.js';
import { emptyCounters, type PoolStats } from './monitoring/stats.js';
import { holdUntilSettled, keepAlive, unrefScheduler } from './time/unref-scheduler.js';
import { writeHolder } from './lease/write-holder.js';
import { warnListenerFailed } from './lending/warnings.js';

/** The parts a pool is built from, each given its narrow host; properties/ swaps one for a broken variant. @internal */
export interface PoolParts {
  bag: new (host: BagHost) => Bag;
  lending: new (rt: LendingHost) => LendingPart;
  nesting: new (rt: NestingHost) => NestingPart;
  lifecycle: new (rt: LifecycleHost) => LifecyclePart;
  housekeeping: new (rt: HousekeepingHost, write: WriteRunner) => HousekeepingPart;
  shutdown: new (rt: ShutdownHost, stopParts: () => void, completeEvents: () => void) => ShutdownPart;
}

const DEFAULT_PARTS: PoolParts = {
  bag: Bag,
  lending: Lending,
  nesting: Nesting,
  lifecycle: Lifecycle,
  housekeeping: Housekeeping,
  shutdown: Shutdown,
};

const swapped = new WeakMap<PoolWiring, Partial<PoolParts>>();

/**
 * `wiring`, with some of the pool's parts swapped: the properties' broken variants (properties/).
 * The one way to other parts; index.ts does not export it. @internal
 */
export function wiringWithParts(wiring: PoolWiring, parts: Partial<PoolParts>): PoolWiring {
  const own = { ...wiring };
  swapped.set(own, parts);
  return own;
}

/** What the composition needs of the public face it builds: the calls housekeeping and the stats table make through it. @internal */
export interface PoolFace {
  write: WriteRunner;
  transaction: StatsTableHost['transaction'];
}

/** A pool's parts as the composition hands them to its face (core/pool.ts). @internal */
export interface ComposedPool {
  readonly rt: PoolRuntime;
  readonly nesting: NestingPart;
  readonly events$: Observable<PoolLifecycleEvent>;
  readonly stats$: Observable<PoolStats>;
  readonly alerts$: Observable<PoolAlert>;
}

/**
 * Builds one pool's parts, in the order they need each other: the options and the driver, the
 * metrics and events, the bag, lending, nesting, the lifecycle (and the lanes' demand), housekeeping,
 * sizing, shutdown, the monitor; then opens `min` connections. A part's constructor reads only parts
 * built before it; later ones it reaches through its host at call time. @internal
 */
export function composePool(options: PoolOptions, wiring: PoolWiring, face: PoolFace): ComposedPool {
  const parts = { ...DEFAULT_PARTS, ...swapped.get(wiring) };
  const o = resolveOptions(options, wiring.checks);
  const driver = o.driver ?? wiring.defaultDriver(o);
  const counters = emptyCounters();
  const createdAt = o.scheduler.now();
  let listenerWarned = false;
  const metrics = new PoolMetrics(counters, o.statsWindowMs, createdAt, (thrown) => {
    const error = new PoolError('LISTENER_FAILED', `a metrics listener threw: ${String(thrown)}`, {
      cause: thrown,
    });
    rt.emit({ type: 'listener.failed', error, at: o.scheduler.now() });
    if (rt.listening() || listenerWarned) return;
    listenerWarned = true;
    warnListenerFailed(error);
  });
  const events = new Subject<PoolLifecycleEvent>();
  const closed = new Subject<never>();
  // A user's subscription to events$ also runs the alert checks: every alert reaches events$ as
  // `pool.alert`, whether or not anybody subscribes to alerts$ (they share one check).
  const events$ = new Observable<PoolLifecycleEvent>((subscriber) => {
    const subscription = events.subscribe(subscriber);
    if (!subscription.closed) subscription.add(monitor.alerts$.subscribe({ error: () => undefined }));
    return subscription;
  });
  const rt = { options: o, driver, counters, metrics, createdAt, closing: false } as PoolRuntime;
  rt.lastFailure = undefined;
  rt.lastWaitMs = 0;
  rt.emit = (event) => {
    metrics.event(event);
    if (events.observed) events.next(event);
  };
  rt.listening = () => events.observed;
  rt.hold = o.scheduler === unrefScheduler ? holdUntilSettled : (work) => work;
  rt.bag = new parts.bag({
    scheduler: o.scheduler,
    singleWriter: driver.singleWriter,
    // A waiter's deadline is on an unref'd timer: the wait itself keeps the process up.
    keepAlive: o.scheduler === unrefScheduler ? keepAlive : undefined,
    timeoutError: (role) => {
      counters.timeouts++;
      return new PoolError('ACQUIRE_TIMEOUT', role === 'writer' ? writeHolder(rt) : undefined, {
        state: rt.bag.summary(),
        cause: rt.lastFailure,
      });
    },
    abortError: (signal) => {
      counters.aborted++;
      return new PoolError('ABORTED', undefined, { cause: signal.reason });
    },
  });
  rt.lending = new parts.lending(rt);
  const nesting = new parts.nesting(rt);
  rt.lifecycle = new parts.lifecycle(rt);
  const subscriptions = rt.bag.lanes().map((lane) => rt.lifecycle.watch(lane));
  rt.housekeeping = new parts.housekeeping(rt, (fn) => face.write(fn));
  rt.sizing = new PoolSizing({
    scheduler: o.scheduler,
    singleWriter: driver.singleWriter,
    idleTimeoutMs: o.idleTimeoutMs,
    resizeCooldownMs: o.resizeCooldownMs,
    readLane: rt.bag.readLane,
    bounds: () => rt.lifecycle.bounds(),
    setBounds: (min, max) => rt.lifecycle.setBounds(min, max),
    openReaders: (count) => rt.lifecycle.open(rt.bag.readLane, count),
    lanes: () => rt.bag.lanes(),
    total: () => rt.bag.summary().total,
    closing: () => rt.closing,
    retire: (entry) => rt.lifecycle.retire(entry),
    emit: (event) => rt.emit(event),
  });
  subscriptions.push(
    new Subscription(() => rt.sizing.stop()),
    new Subscription(() => rt.housekeeping.stop()),
    new Subscription(() => rt.lending.stop?.()),
  );
  rt.shutdown = new parts.shutdown(
    rt,
    () => subscriptions.forEach((s) => s.unsubscribe()),
    () => {
      events.complete();
      closed.complete();
    },
  );
  const statsHost: StatsTableHost & Pick<PoolRuntime, 'driver'> = {
    driver,
    stats: () => poolStats(rt),
    transaction: (fn, runOptions) => face.transaction(fn, runOptions),
  };
  const monitor = monitorPool(statsHost, o, metrics, closed, (event) => rt.emit(event), wiring.statsTable);
  if (o.min > 0) rt.lifecycle.open(rt.bag.readLane, o.min);
  return { rt, nesting, events$, stats$: monitor.stats$, alerts$: monitor.alerts$ };
}
