import { asyncScheduler, defer, interval, map, type Observable, type SchedulerLike } from 'rxjs';
import { isPoolError } from '../core/errors/errors.js';

/** Error counts and rate since the monitor started. */
export interface ErrorRateSnapshot {
  ops: number;
  errors: number;
  /** `errors / ops`, 0 before the first operation. */
  rate: number;
  byCode: Record<string, number>;
}

/** One window of `rates$`. */
export interface ErrorRateWindow {
  ops: number;
  errors: number;
  rate: number;
  /** True when `rate` exceeds the monitor's `alertRate`. */
  alert: boolean;
}

/** Options of {@link monitorErrorRates}. */
export interface ErrorRateOptions {
  /** Length of one `rates$` window, ms. Default 1000. */
  windowMs?: number;
  /** The rate above which a window alerts. Default 0.01 (roas-pool's target, 1 %). */
  alertRate?: number;
  scheduler?: SchedulerLike;
}

/** Counts operation outcomes by error code; see {@link monitorErrorRates}. */
export interface ErrorRateMonitor {
  /** Counts one successful operation. */
  success(): void;
  /** Counts one failed operation and returns the code it was filed under. */
  failure(err: unknown): string;
  snapshot(): ErrorRateSnapshot;
  /** Every `windowMs`: the operations and errors of that window, with an alert flag. */
  readonly rates$: Observable<ErrorRateWindow>;
}

/**
 * The code an error is filed under: a PoolError's code, SQLite's extended code
 * (`SQLITE_BUSY`), the error's own `code` or `name` (tarn's `TimeoutError`), else `UNKNOWN`.
 */
export function errorCode(err: unknown): string {
  if (isPoolError(err)) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (err instanceof Error && err.name !== 'Error') return err.name;
  return 'UNKNOWN';
}

/**
 * Monitors the contention error rate of a stream of operations: totals by code, and a windowed
 * rate that alerts above a threshold (roas-pool's target is 1 %).
 *
 * @example
 * ```ts
 * const monitor = monitorErrorRates({ windowMs: 1000, alertRate: 0.01 });
 * monitor.rates$.subscribe((w) => w.alert && console.warn(`error rate ${w.rate}`));
 * try { await work(); monitor.success(); } catch (err) { monitor.failure(err); }
 * ```
 */
export function monitorErrorRates(options: ErrorRateOptions = {}): ErrorRateMonitor {
  const windowMs = options.windowMs ?? 1000;
  const alertRate = options.alertRate ?? 0.01;
  const scheduler = options.scheduler ?? asyncScheduler;
  let ops = 0;
  let errors = 0;
  const byCode: Record<string, number> = {};
  return {
    success() {
      ops++;
    },
    failure(err) {
      const code = errorCode(err);
      ops++;
      errors++;
      byCode[code] = (byCode[code] ?? 0) + 1;
      return code;
    },
    snapshot: () => ({ ops, errors, rate: ops === 0 ? 0 : errors / ops, byCode: { ...byCode } }),
    rates$: defer(() => {
      let seenOps = ops;
      let seenErrors = errors;
      return interval(windowMs, scheduler).pipe(
        map(() => {
          const w = ops - seenOps;
          const e = errors - seenErrors;
          [seenOps, seenErrors] = [ops, errors];
          const rate = w === 0 ? 0 : e / w;
          return { ops: w, errors: e, rate, alert: rate > alertRate };
        }),
      );
    }),
  };
}
