import type { TestResult } from '../types.js';

/** roas-pool's targets under load: error rate at most 1 %, acquire-wait p95 at most 50 ms. */
const PLAN_ERROR_RATE = 0.01;
const PLAN_WAIT_P95_MS = 50;

/** The conclusion for one scenario at one worker count. */
export interface Verdict {
  scenario: string;
  workers: number;
  /** `use-pool`, `no-difference`, `peer-faster`, `pool-failed` or `no-pool-run`. */
  outcome: 'use-pool' | 'no-difference' | 'peer-faster' | 'pool-failed' | 'no-pool-run';
  /** One paragraph a bot owner can act on. */
  text: string;
}

const ms = (v: number): string =>
  v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v > 0 && v < 0.0005 ? '< 0.001' : v.toFixed(3);
const pct = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)} %`;

/** True when a run completed nothing: it failed to run, or froze before any operation finished. */
export function completedNothing(r: TestResult): boolean {
  return r.failed !== undefined || r.okOps === 0;
}

function topCodes(r: TestResult): string {
  return Object.entries(r.errorsByCode)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([code]) => code)
    .join(', ');
}

/** What one run did, in words: failed, froze, erred, or ran clean. */
export function describeRun(r: TestResult): string {
  if (r.failed) return `could not run (${r.failed.message})`;
  if (r.stopped && r.okOps === 0)
    return `froze its event loop: no operation finished, stopped after ${(r.stopped.afterMs / 1000).toFixed(1)} s`;
  const froze = r.stopped
    ? `; its event loop froze and the run was stopped after ${(r.stopped.afterMs / 1000).toFixed(1)} s`
    : '';
  const errors = r.errors === 0 ? '0 errors' : `${pct(r.errorRate)} of operations failed (${topCodes(r)})`;
  const integrity = r.integrity.ok ? '' : `; ${r.integrity.missing} acknowledged write(s) MISSING`;
  return `${errors}, ${r.opsPerSec.toFixed(0)} ops/s, acquire-wait p95 ${ms(r.acquireWait.p95Ms)} ms${froze}${integrity}`;
}

/** Correct first (no failure, no freeze, fewest errors, integrity kept), then fastest. */
function better(a: TestResult, b: TestResult): number {
  const broken = (r: TestResult): number =>
    (completedNothing(r) ? 4 : 0) + (r.stopped ? 2 : 0) + (r.integrity.ok ? 0 : 1);
  return broken(a) - broken(b) || a.errorRate - b.errorRate || b.opsPerSec - a.opsPerSec;
}

function clean(r: TestResult): boolean {
  return !completedNothing(r) && !r.stopped && r.errors === 0 && r.integrity.ok;
}

function verdictOf(scenario: string, workers: number, runs: readonly TestResult[]): Verdict {
  const head = `${scenario}, ${workers} workers`;
  const pool = runs.find((r) => r.contender === 'roas-pool');
  if (!pool)
    return {
      scenario,
      workers,
      outcome: 'no-pool-run',
      text: `${head}: no roas-pool run to judge (add roas-pool to --contenders).`,
    };
  const peers = runs.filter((r) => r !== pool).sort(better);
  const naive = runs.find((r) => r.contender === 'naive') ?? runs.find((r) => r.contender === 'naive-bt0');
  const best = peers[0];
  const parts = [`${head}: roas-pool ${describeRun(pool)}.`];
  if (naive)
    parts.push(`Without a pool (${naive.contender}, a connection per worker): ${describeRun(naive)}.`);
  if (best && best !== naive) parts.push(`Best other contender, ${best.contender}: ${describeRun(best)}.`);
  const planMet =
    pool.errorRate <= PLAN_ERROR_RATE && pool.acquireWait.p95Ms <= PLAN_WAIT_P95_MS && !pool.stopped;
  const bars = planMet
    ? `It meets roas-pool's targets (at most 1 % errors, acquire-wait p95 at most ${PLAN_WAIT_P95_MS} ms).`
    : `It misses roas-pool's targets (at most 1 % errors, acquire-wait p95 at most ${PLAN_WAIT_P95_MS} ms).`;
  if (!clean(pool)) {
    parts.push(
      `Verdict: the pool itself had trouble here; read errorsByCode in report.json, and shorten transactions that await or lower the worker count. ${bars}`,
    );
    return { scenario, workers, outcome: 'pool-failed', text: parts.join(' ') };
  }
  if (!best) {
    parts.push(`Verdict: nothing to compare against (add naive to --contenders). ${bars}`);
    return { scenario, workers, outcome: 'no-difference', text: parts.join(' ') };
  }
  if (!clean(best)) {
    const what = completedNothing(best)
      ? 'every other contender completed nothing'
      : best.stopped
        ? 'the others froze their event loop'
        : `the best other contender lost ${pct(best.errorRate)} of its operations`;
    const ratio = completedNothing(best)
      ? ''
      : ` at ${(pool.opsPerSec / best.opsPerSec).toFixed(2)}x its throughput`;
    parts.push(`Verdict: use the pool. It ran with 0 errors where ${what}${ratio}. ${bars}`);
    return { scenario, workers, outcome: 'use-pool', text: parts.join(' ') };
  }
  const ratio = pool.opsPerSec / best.opsPerSec;
  const waits = `acquire-wait p95 ${ms(pool.acquireWait.p95Ms)} ms against ${ms(best.acquireWait.p95Ms)} ms`;
  if (ratio >= 0.9) {
    parts.push(
      `Verdict: both ran clean; the pool gives ${ratio.toFixed(2)}x the throughput of ${best.contender}, ${waits}. Keep the pool for its guarantees (no SQLITE_BUSY, no frozen loop under awaiting transactions) at no measurable cost. ${bars}`,
    );
    return { scenario, workers, outcome: 'no-difference', text: parts.join(' ') };
  }
  parts.push(
    `Verdict: both ran clean and ${best.contender} is faster here (the pool gives ${ratio.toFixed(2)}x its throughput, ${waits}). If this workload never awaits inside a transaction, ${best.contender} is enough; the pool earns its cost once transactions await or workers grow. ${bars}`,
  );
  return { scenario, workers, outcome: 'peer-faster', text: parts.join(' ') };
}

/**
 * The verdict per scenario and worker count: roas-pool against the naive connection per worker
 * and against the best other contender (errors, acquire-wait p95, throughput ratio), with what a
 * bot owner should do.
 *
 * @example
 * ```ts
 * for (const v of verdicts(results)) console.log(v.text);
 * ```
 */
export function verdicts(results: readonly TestResult[]): Verdict[] {
  const groups = new Map<string, TestResult[]>();
  for (const r of results) {
    const key = `${r.scenario}\u0000${r.workers}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) =>
    verdictOf((runs[0] as TestResult).scenario, (runs[0] as TestResult).workers, runs),
  );
}
