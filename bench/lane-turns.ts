/**
 * Where a sharded run's write time goes (bench/shards.ts): every transaction's start (its callback
 * entered, BEGIN IMMEDIATE done) and end (its commit acknowledged), on the machine-wide monotonic
 * clock (`process.hrtime`, CLOCK_MONOTONIC on Linux and macOS, so comparable across processes).
 * Sorted by start, a run of one process's transactions is one turn on the lane; a change of
 * process is a hand-over, and its gap is the next process's first start minus the last end before.
 */
import { percentile } from './report.js';

/** A process's transactions: start and end times, µs, interleaved ([start0, end0, start1, ...]). */
export type Spans = number[];

/** Now on the machine-wide monotonic clock, µs. */
export const clockUs = (): number => Number(process.hrtime.bigint() / 1000n);

export interface Turns {
  /** Hand-overs from one process to another, per second of the window. */
  handOversPerS: number;
  /** Mean and median gap at a hand-over: the lane unused while it passed (µs). */
  meanGapUs: number;
  medianGapUs: number;
  /** Mean transactions a process ran in a row. */
  txPerTurn: number;
  /** Mean gap between two transactions of one turn (µs): the holder's own idle time. */
  meanInTurnGapUs: number;
  /** Share of the window spent in hand-over gaps. */
  handOverShare: number;
  /** 90th, 99th percentile and longest gap at a hand-over (µs). */
  gapP90Us: number;
  gapP99Us: number;
  gapMaxUs: number;
  /** Gaps at a hand-over by length: the count and the share of all gap time, per bucket of {@link GAP_BUCKETS_US}. */
  gapHistogram: { count: number; timeShare: number }[];
}

/** Upper bounds of the gap histogram's buckets (µs); the last bucket is everything longer. */
export const GAP_BUCKETS_US = [250, 500, 1000, 2000, 4000, 8000, 16000] as const;

export function turns(perProcess: readonly Spans[], windowMs: number): Turns {
  const tx: { p: number; start: number; end: number }[] = [];
  perProcess.forEach((spans, p) => {
    for (let i = 0; i + 1 < spans.length; i += 2)
      tx.push({ p, start: spans[i] as number, end: spans[i + 1] as number });
  });
  tx.sort((a, b) => a.start - b.start);
  const gaps: number[] = [];
  let inTurn = 0;
  let inTurnN = 0;
  let runs = tx.length > 0 ? 1 : 0;
  let latestEnd = -Infinity;
  for (let i = 1; i < tx.length; i++) {
    const prev = tx[i - 1] as (typeof tx)[number];
    const cur = tx[i] as (typeof tx)[number];
    latestEnd = Math.max(latestEnd, prev.end);
    if (cur.p !== prev.p) {
      runs++;
      gaps.push(cur.start - latestEnd);
    } else {
      inTurn += cur.start - prev.end;
      inTurnN++;
    }
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const gapSum = gaps.reduce((s, g) => s + Math.max(0, g), 0);
  const histogram = Array.from({ length: GAP_BUCKETS_US.length + 1 }, () => ({ count: 0, timeShare: 0 }));
  for (const g of gaps) {
    const at = GAP_BUCKETS_US.findIndex((b) => g < b);
    const bucket = histogram[at < 0 ? GAP_BUCKETS_US.length : at] as (typeof histogram)[number];
    bucket.count++;
    bucket.timeShare += gapSum === 0 ? 0 : Math.max(0, g) / gapSum;
  }
  const pct = (p: number): number => (sorted.length === 0 ? 0 : percentile(sorted, p));
  return {
    handOversPerS: gaps.length / (windowMs / 1000),
    meanGapUs: gaps.length === 0 ? 0 : gapSum / gaps.length,
    medianGapUs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    txPerTurn: runs === 0 ? 0 : tx.length / runs,
    meanInTurnGapUs: inTurnN === 0 ? 0 : inTurn / inTurnN,
    handOverShare: gapSum / 1000 / windowMs,
    gapP90Us: pct(90),
    gapP99Us: pct(99),
    gapMaxUs: sorted[sorted.length - 1] ?? 0,
    gapHistogram: histogram,
  };
}
