import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { isPoolError } from '../errors/errors.js';
import type { PoolLifecycleEvent } from './events.js';
import type { PoolCounters } from './stats.js';
import { summarize, type HistogramSummary, type MonitoringStats, type WindowStats } from './metrics-types.js';

export type { HistogramSummary, WindowStats } from './metrics-types.js';

/** Nanoseconds are recorded; 1 ns (the histogram's floor) stands for an immediate grant. */
const newHistogram = (): RecordableHistogram => createHistogram({ lowest: 1, highest: 3.6e12, figures: 2 });

/** Slots of the sliding window: it covers between 5/6 and 6/6 of `windowMs`. */
const SLOTS = 6;

/** Cumulative totals when a slot opened; the window's counts are differences of these. */
interface Base {
  acquired: number;
  errors: number;
  leaks: number;
  failures: number;
}

interface Slot {
  start: number;
  wait: RecordableHistogram;
  /** Immediate grants not yet recorded into `wait` (each one a 1 ns record); see `foldNone`. */
  none: number;
  base: Base;
}

/** Listeners the Prometheus adapter attaches; values are in seconds. */
export interface MeasureListener {
  (kind: 'wait' | 'hold', seconds: number): void;
}

/**
 * What a user holds of the pool's measurements (`pool.metrics`): a listener of every acquire wait
 * and lease hold, in seconds, which the Prometheus adapter feeds its histograms from. The figures
 * themselves are read through `pool.stats()`; recording them stays the pool's.
 *
 * @example
 * ```ts
 * const stop = pool.metrics.listen((kind, seconds) => (kind === 'wait' ? waits : holds).push(seconds));
 * ```
 */
export interface PoolMeasures {
  /** Calls `listener` on every wait and hold from now on; one listener at a time. Returns the detach. */
  listen(listener: MeasureListener): () => void;
}

/**
 * The pool's measurements beyond its counters: acquire-wait and lease-hold histograms, errors by
 * code, leaks and resizes, and a sliding window over the last `windowMs`. The hot path records a
 * wait and a hold with one `RecordableHistogram.record` each; the window rotates lazily when a
 * record or a read finds the current slot over, so no timer runs.
 *
 * @example
 * ```ts
 * const metrics = new PoolMetrics(counters, 60_000, scheduler.now());
 * metrics.waitedNone(scheduler.now()); // an immediate grant
 * metrics.window(scheduler.now()).acquireWait.p95Ms;
 * ```
 * @internal
 */
export class PoolMetrics implements PoolMeasures {
  /** Leases reported leaked (`lease.leaked` events). */
  leaks = 0;
  /** Pool resizes (`pool.resized` events). */
  resizes = 0;
  /** Snapshot writes to the stats table that failed. */
  snapshotFailures = 0;
  /** Errors raised to callers by statements, by code (PoolError code or the driver's code). */
  readonly statementErrors = new Map<string, number>();
  private statementPoolErrors = 0;
  private readonly hold = newHistogram();
  private readonly waitTotal = newHistogram();
  private readonly scratch = newHistogram();
  /** Work space of `recordOnes`. */
  private readonly unit = newHistogram();
  private readonly spare = newHistogram();
  private readonly slots: Slot[] = [];
  private current: Slot;
  private slotEnd: number;
  private readonly slotMs: number;
  private listener: MeasureListener | undefined;
  // Merging and reading HDR histograms costs tens of microseconds: reuse a summary until it changes.
  private readonly totalCache = new SummaryCache();
  private readonly holdCache = new SummaryCache();
  private readonly windowCache = new SummaryCache();

  constructor(
    private readonly counters: Readonly<PoolCounters>,
    readonly windowMs: number,
    now: number,
    /** Told what a listener threw; nothing a listener throws reaches the lending path. */
    private readonly listenerFailed: (thrown: unknown) => void = () => undefined,
  ) {
    this.slotMs = Math.max(1, Math.ceil(windowMs / SLOTS));
    for (let i = 0; i < SLOTS; i++)
      this.slots.push({ start: now, wait: newHistogram(), none: 0, base: this.base() });
    this.current = this.slots[0] as Slot;
    this.slotEnd = now + this.slotMs;
  }

  /** Records one grant's wait in ns; `now` is the pool clock (ms), only to rotate the window. */
  waited(ns: number, now: number): void {
    if (now >= this.slotEnd) this.rotate(now);
    this.current.wait.record(ns < 1 ? 1 : Math.round(ns));
    if (this.listener) this.tell('wait', ns / 1e9);
  }

  /**
   * Records an immediate grant's wait: 0 ns, which the histogram's floor, 1 ns, stands for. Counted
   * in a plain field and recorded into the slot's histogram when it is read or recycled, where a
   * `record` per grant (argument checks and a native call) was most of a grant's bookkeeping.
   */
  waitedNone(now: number): void {
    if (now >= this.slotEnd) this.rotate(now);
    this.current.none++;
    if (this.listener) this.tell('wait', 1e-9);
  }

  /** Records one lease's hold time in ns. */
  held(ns: number): void {
    this.hold.record(ns < 1 ? 1 : Math.round(ns));
    if (this.listener) this.tell('hold', ns / 1e9);
  }

  // Called in the middle of a grant, a hand-off or a release: a throw escaping here would leave a
  // connection leased to nobody, or a waiter taken out of line and never answered.
  private tell(kind: 'wait' | 'hold', seconds: number): void {
    try {
      this.listener?.(kind, seconds);
    } catch (thrown) {
      this.listenerFailed(thrown);
    }
  }

  /** Attaches the one raw-measure listener (the Prometheus adapter); returns the detach. */
  listen(listener: MeasureListener): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }

  /** Counts an error a statement raised to its caller. */
  raised(err: unknown): void {
    const code = isPoolError(err) ? err.code : driverCode(err);
    this.statementErrors.set(code, (this.statementErrors.get(code) ?? 0) + 1);
    if (isPoolError(err)) this.statementPoolErrors++;
  }

  /** Counts the lifecycle events that are counters: leaks and resizes. */
  event(event: PoolLifecycleEvent): void {
    if (event.type === 'lease.leaked') this.leaks++;
    else if (event.type === 'pool.resized') this.resizes++;
  }

  /** The measured part of `pool.stats()` at `now` (ms, pool clock). */
  stats(now: number): Omit<MonitoringStats, 'at' | 'uptimeMs' | 'connections'> {
    return {
      errors: this.errorsByCode(),
      leaks: this.leaks,
      resizes: this.resizes,
      snapshotFailures: this.snapshotFailures,
      acquireWait: this.acquireWait(now),
      leaseHold: this.leaseHold(),
      window: this.window(now),
    };
  }

  /** Errors by code since the pool was created; see docs/monitoring.md for what each one counts. */
  errorsByCode(): Record<string, number> {
    const c = this.counters;
    const out: Record<string, number> = {};
    const put = (code: string, n: number) => {
      if (n > 0) out[code] = (out[code] ?? 0) + n;
    };
    put('ACQUIRE_TIMEOUT', c.timeouts);
    put('POOL_EXHAUSTED', c.rejected);
    put('ABORTED', c.aborted);
    put('DOUBLE_RELEASE', c.doubleReleases);
    put('CONNECTION_FAILED', c.failed);
    for (const [code, n] of this.statementErrors) put(code, n);
    return out;
  }

  /** Pool errors (not the caller's own SQL errors, not aborts): the error rate's numerator. */
  poolErrors(): number {
    const c = this.counters;
    return c.timeouts + c.rejected + c.doubleReleases + c.failed + this.statementPoolErrors;
  }

  /** Every acquire wait since the pool was created. */
  acquireWait(now: number): HistogramSummary {
    this.rotate(now);
    this.foldNone();
    let key = this.waitTotal.count;
    for (const slot of this.slots) key += slot.wait.count;
    return this.totalCache.get(key, () => {
      this.scratch.reset();
      this.scratch.add(this.waitTotal);
      for (const slot of this.slots) this.scratch.add(slot.wait);
      return summarize(this.scratch);
    });
  }

  /** Every lease hold since the pool was created. */
  leaseHold(): HistogramSummary {
    return this.holdCache.get(this.hold.count, () => summarize(this.hold));
  }

  /** Counts and waits of the sliding window that ends at `now`. */
  window(now: number): WindowStats {
    this.rotate(now);
    this.foldNone();
    let oldest = this.current;
    let count = 0;
    for (const slot of this.slots) {
      if (slot.start < oldest.start) oldest = slot;
      count += slot.wait.count;
    }
    // A rotation moves slotEnd, a record moves the count: either one changes the summary.
    const acquireWait = this.windowCache.get(
      count,
      () => {
        this.scratch.reset();
        for (const slot of this.slots) this.scratch.add(slot.wait);
        return summarize(this.scratch);
      },
      this.slotEnd,
    );
    const end = this.base();
    const acquired = end.acquired - oldest.base.acquired;
    const errors = end.errors - oldest.base.errors;
    return {
      ms: now - oldest.start,
      acquired,
      errors,
      errorRate: acquired + errors === 0 ? 0 : errors / (acquired + errors),
      leaks: end.leaks - oldest.base.leaks,
      connectionFailures: end.failures - oldest.base.failures,
      acquireWait,
    };
  }

  /** Every slot's immediate grants, recorded into its histogram. */
  private foldNone(): void {
    for (const slot of this.slots) this.fold(slot);
  }

  private fold(slot: Slot): void {
    if (slot.none === 0) return;
    recordOnes(slot.wait, slot.none, this.unit, this.spare);
    slot.none = 0;
  }

  private base(): Base {
    return {
      acquired: this.counters.acquired,
      errors: this.poolErrors(),
      leaks: this.leaks,
      failures: this.counters.failed,
    };
  }

  /**
   * Opens one slot for every whole slot length that has passed, folding each recycled slot into the
   * total. Counts that moved while no record or read rotated the window stay with the slot that was
   * current, so the window is exact to one slot when something reads at least once per slot
   * (`stats$`, the alerts and the stats table do).
   */
  private rotate(now: number): void {
    if (now < this.slotEnd) return;
    const behind = Math.floor((now - this.slotEnd) / this.slotMs);
    const newStart = this.slotEnd + behind * this.slotMs;
    const opened = Math.min(SLOTS, behind + 1);
    const base = this.base();
    let i = this.slots.indexOf(this.current);
    for (let k = opened - 1; k >= 0; k--) {
      i = (i + 1) % SLOTS;
      const slot = this.slots[i] as Slot;
      this.fold(slot);
      this.waitTotal.add(slot.wait);
      slot.wait.reset();
      slot.base = base;
      slot.start = newStart - k * this.slotMs;
    }
    this.current = this.slots[i] as Slot;
    this.slotEnd = newStart + this.slotMs;
  }
}

/** Records `n` values of 1 ns into `target`, with about 2·log2(n) merges instead of `n` records. */
function recordOnes(
  target: RecordableHistogram,
  n: number,
  unit: RecordableHistogram,
  spare: RecordableHistogram,
): void {
  // `unit` holds 2^k records of 1; `target` takes it for each bit of `n` that is set.
  unit.reset();
  unit.record(1);
  for (let left = n; ;) {
    if (left % 2 === 1) target.add(unit);
    left = Math.floor(left / 2);
    if (left === 0) return;
    spare.reset();
    spare.add(unit);
    unit.add(spare);
  }
}

/** The last summary computed, and the key it was computed for. */
class SummaryCache {
  private key = -1;
  private value: HistogramSummary | undefined;

  private epoch = -1;

  /** `epoch` tells apart equal counts of different slot sets (a rotation). */
  get(key: number, compute: () => HistogramSummary, epoch = 0): HistogramSummary {
    if (key !== this.key || epoch !== this.epoch || !this.value) {
      this.value = compute();
      this.key = key;
      this.epoch = epoch;
    }
    return { ...this.value };
  }
}

function driverCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}
