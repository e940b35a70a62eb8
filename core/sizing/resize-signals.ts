import {
  debounceTime,
  filter,
  map,
  merge,
  share,
  throttleTime,
  type Observable,
  type SchedulerLike,
} from 'rxjs';

/** The pool's load when something happened: a burst of waiters arrived, or leases came back. */
export interface LoadSample {
  /** Requests waiting for a connection (the queue length). */
  waiting: number;
  /** Connections lent out. */
  leased: number;
  /** Connections open. */
  total: number;
  /** How long the last request served from the queue had waited (ms). */
  waitMs: number;
}

/**
 * What the sizer should do: `grow` (waiters queued: the supervisor opens connections for them at
 * once, this only reports it), or `trim` (check for connections idle past `idleTimeoutMs` and
 * retire them down to `min`).
 */
export interface ResizeSignal {
  kind: 'grow' | 'trim';
  reason: string;
}

export interface ResizeSignalOptions {
  /** A connection unused this long may be retired; also the quiet period before a trim. */
  idleTimeoutMs: number;
  /** At most one grow report per cool-down. */
  cooldownMs: number;
  scheduler: SchedulerLike;
}

function utilization(s: LoadSample): string {
  return s.total === 0 ? '0%' : `${Math.round((100 * s.leased) / s.total)}%`;
}

/**
 * Turns load samples into resize signals, with hysteresis: growth is reported as soon as requests
 * queue (throttled to one report per cool-down), but a trim is only asked for once the load has
 * been quiet for `idleTimeoutMs` (debounce), or at most once per `idleTimeoutMs` under steady
 * traffic (throttle, trailing), and the trim itself retires only connections that sat unused for
 * that long. A sawtooth whose period is shorter than `idleTimeoutMs` touches every connection
 * each period, so nothing is retired and nothing re-opened: no thrash.
 *
 * @example
 * ```ts
 * resizeSignals(load$, { idleTimeoutMs: 60_000, cooldownMs: 1000, scheduler })
 *   .subscribe((s) => (s.kind === 'trim' ? pool.trimIdle(s.reason) : log(s.reason)));
 * ```
 */
export function resizeSignals(
  samples: Observable<LoadSample>,
  options: ResizeSignalOptions,
): Observable<ResizeSignal> {
  const { idleTimeoutMs, cooldownMs, scheduler } = options;
  const load = samples.pipe(share());
  const grow = load.pipe(
    filter((s) => s.waiting > 0),
    throttleTime(cooldownMs, scheduler, { leading: true, trailing: true }),
    map((s): ResizeSignal => ({
      kind: 'grow',
      reason: `queued load: ${s.waiting} waiting (last wait ${s.waitMs} ms), ${s.leased} of ${s.total} leased (${utilization(s)})`,
    })),
  );
  const trim = (ms: number): Observable<ResizeSignal> =>
    merge(
      load.pipe(debounceTime(ms, scheduler)),
      load.pipe(throttleTime(ms, scheduler, { leading: false, trailing: true })),
    ).pipe(
      map((s): ResizeSignal => ({ kind: 'trim', reason: `idle for ${ms} ms at ${utilization(s)} use` })),
    );
  return idleTimeoutMs > 0 ? merge(grow, trim(idleTimeoutMs)) : grow;
}
