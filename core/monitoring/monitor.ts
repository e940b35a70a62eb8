import { concat, ignoreElements, of, share, takeWhile, tap, type Observable } from 'rxjs';
import { poolAlerts, type PoolAlert } from '../../streams/alerts.js';
import { statsStream } from '../../streams/stats-stream.js';
import type { PoolLifecycleEvent } from './events.js';
import type { PoolMetrics } from './metrics.js';
import type { StatsTableHost, StatsTableWriter } from '../pool-wiring.js';
import type { ResolvedOptions } from '../options/options.js';
import type { PoolStats } from './stats.js';

/** The pool's observable side: `stats$`, `alerts$`, and the stats-table writer when it is on. */
export interface PoolMonitor {
  stats$: Observable<PoolStats>;
  alerts$: Observable<PoolAlert>;
}

/**
 * Builds a pool's monitoring streams. All of them end when `closed` completes (the pool closed);
 * `stats$` and `alerts$` run no timer until subscribed, and the stats-table writer (injected by
 * the composition root) runs only when `statsTable` is on. Alerts are also published on `events$` as `pool.alert`.
 * `closed` is the pool's own signal, not `events$`: a subscription of the pool's to `events$` would
 * count as a listener, and silence the warnings printed while nobody listens.
 *
 * @example
 * ```ts
 * const { stats$, alerts$ } = monitorPool(pool, options, metrics, closed, (e) => events.next(e), statsTableWriter);
 * ```
 */
export function monitorPool(
  host: StatsTableHost & { readonly driver: { readonly dialect: 'sqlite' | 'postgres' } },
  o: ResolvedOptions,
  metrics: PoolMetrics,
  closed: Observable<never>,
  emit: (event: PoolLifecycleEvent) => void,
  statsTableWriter: StatsTableWriter,
): PoolMonitor {
  const ended$ = concat(closed.pipe(ignoreElements()), of(null));
  const stats$ = statsStream(() => host.stats(), o.statsIntervalMs, o.scheduler, ended$);
  const alerts$ = stats$.pipe(
    // Nothing to alert about once close() has started; and a user's events$ subscription runs
    // these checks, so they must not keep a virtual clock ticking while the pool closes.
    takeWhile((s) => s.state === 'open'),
    poolAlerts(o.alerts),
    tap((a) =>
      emit({ type: 'pool.alert', code: a.code, level: a.level, cleared: a.state === 'cleared', at: a.at }),
    ),
    share(),
  );
  if (o.statsTable) {
    statsTableWriter(host, {
      ...o.statsTable,
      scheduler: o.scheduler,
      dialect: host.driver.dialect,
      end$: ended$,
      onFailure: (error) => {
        metrics.snapshotFailures++;
        emit({ type: 'stats.failed', error, at: o.scheduler.now() });
      },
    });
  }
  return { stats$, alerts$ };
}
