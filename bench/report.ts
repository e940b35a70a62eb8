/** Small helpers the benches share for their printouts; nothing here loads the pool. */
import { loadavg } from 'node:os';

/** The machine's load averages over 1, 5 and 15 minutes. */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

/** The value at `p` percent of `sorted` (ascending), NaN when it is empty. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
