import { Observable, type OperatorFunction } from 'rxjs';
import type { ResolvedAlerts } from '../core/monitoring/monitor-options.js';
import type { PoolStats } from '../core/monitoring/stats.js';

/** The stable codes of the pool's alerts. */
export type AlertCode =
  'ACQUIRE_WAIT_HIGH' | 'ERROR_RATE_HIGH' | 'POOL_SATURATED' | 'LEASE_LEAKED' | 'CONNECTION_FAILURES';

/** One alert firing, or clearing. */
export interface PoolAlert {
  code: AlertCode;
  level: 'warning' | 'critical';
  /** `firing` when the condition starts to hold; `cleared` once it has been false for `clearAfterMs`. */
  state: 'firing' | 'cleared';
  /** What was measured, in `unit`, on the snapshot that fired or cleared the alert. */
  value: number;
  threshold: number;
  unit: 'ms' | 'ratio' | 'count';
  message: string;
  remedy: string;
  /** On the pool's clock, ms. */
  at: number;
}

/** The part of a stats snapshot the alerts read. */
export type AlertInput = Pick<PoolStats, 'at' | 'waiting' | 'window'>;

interface Rule {
  code: AlertCode;
  level: PoolAlert['level'];
  unit: PoolAlert['unit'];
  threshold: keyof Omit<ResolvedAlerts, 'clearAfterMs'>;
  measure(s: AlertInput, waitingSince: number | undefined): number;
  message: string;
  remedy: string;
}

const RULES: readonly Rule[] = [
  {
    code: 'ACQUIRE_WAIT_HIGH',
    level: 'warning',
    unit: 'ms',
    threshold: 'acquireWaitP95Ms',
    measure: (s) => s.window.acquireWait.p95Ms,
    message: 'the p95 acquire wait of the window is over the threshold',
    remedy: 'hold leases for less time (no awaits on other services while holding one), or raise max',
  },
  {
    code: 'ERROR_RATE_HIGH',
    level: 'critical',
    unit: 'ratio',
    threshold: 'errorRate',
    measure: (s) => s.window.errorRate,
    message: 'the share of requests that met a pool error in the window is over the threshold',
    remedy: 'read stats().errors to see which code dominates, and follow its fix in the errors table',
  },
  {
    code: 'POOL_SATURATED',
    level: 'warning',
    unit: 'ms',
    threshold: 'saturationMs',
    measure: (s, since) => (since === undefined ? 0 : s.at - since),
    message: 'requests have been waiting for a connection continuously',
    remedy: 'raise max if the database has headroom, shorten leases, or shed load upstream',
  },
  {
    code: 'LEASE_LEAKED',
    level: 'critical',
    unit: 'count',
    threshold: 'leaks',
    measure: (s) => s.window.leaks,
    message: 'leases were held past the leak threshold without release',
    remedy: 'release every lease in a finally block, or use pool.read()/pool.write() which release for you',
  },
  {
    code: 'CONNECTION_FAILURES',
    level: 'critical',
    unit: 'count',
    threshold: 'connectionFailures',
    measure: (s) => s.window.connectionFailures,
    message: 'connections failed repeatedly in the window',
    remedy:
      'check the database file, its permissions and the disk; stats().errors and events$ carry the causes',
  },
];

/**
 * Turns a stream of stats snapshots into alerts: one `firing` when a rule's measure exceeds its
 * threshold, one `cleared` once the measure has stayed at or under it for `clearAfterMs`. Saturation
 * is sampled: it counts from the first snapshot that saw waiters, and resets on one that saw none.
 *
 * @example
 * ```ts
 * pool.stats$.pipe(poolAlerts(pool.options.alerts)).subscribe((a) => log.warn(a.code, a.value));
 * ```
 */
export function poolAlerts(thresholds: ResolvedAlerts): OperatorFunction<AlertInput, PoolAlert> {
  return (source) =>
    new Observable<PoolAlert>((subscriber) => {
      const firing = new Map<AlertCode, { falseSince: number | undefined }>();
      let waitingSince: number | undefined;
      return source.subscribe({
        next(s) {
          waitingSince = s.waiting > 0 ? (waitingSince ?? s.at) : undefined;
          for (const rule of RULES) {
            const threshold = thresholds[rule.threshold];
            if (threshold === false) continue;
            const value = rule.measure(s, waitingSince);
            const alert = (state: PoolAlert['state']): PoolAlert => ({
              code: rule.code,
              level: rule.level,
              state,
              value,
              threshold,
              unit: rule.unit,
              message:
                state === 'firing'
                  ? `${rule.code}: ${rule.message} (${readable(value)} > ${threshold} ${rule.unit})`
                  : `${rule.code} cleared: ${readable(value)} <= ${threshold} ${rule.unit} for ${thresholds.clearAfterMs} ms`,
              remedy: rule.remedy,
              at: s.at,
            });
            const active = firing.get(rule.code);
            if (value > threshold) {
              if (active) active.falseSince = undefined;
              else {
                firing.set(rule.code, { falseSince: undefined });
                subscriber.next(alert('firing'));
              }
            } else if (active) {
              active.falseSince ??= s.at;
              if (s.at - active.falseSince >= thresholds.clearAfterMs) {
                firing.delete(rule.code);
                subscriber.next(alert('cleared'));
              }
            }
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/** A measure as people read it: three significant digits (46.399487 ms reads 46.4 ms). */
function readable(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(3));
}
