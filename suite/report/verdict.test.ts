import test from 'ava';
import { failedResult } from '../failed-result.js';
import type { LatencySummary, TestResult } from '../types.js';
import { reportCharts } from './html.js';
import { markdownReport, resultCells } from './markdown.js';
import { niceTicks } from './svg.js';
import { verdicts } from './verdict.js';

const latency = (p95Ms: number): LatencySummary => ({
  count: 100,
  p50Ms: p95Ms / 4,
  p95Ms,
  p99Ms: p95Ms * 2,
  maxMs: p95Ms * 4,
  meanMs: p95Ms / 3,
});

/** A measured run: `okOps` successful operations in one second, `errors` failed ones. */
function run(contender: string, okOps: number, errors = 0, waitP95Ms = 0.5): TestResult {
  const base = failedResult({ scenario: 'bot-mix', contender, workers: 20, durationMs: 1000 }, 'x');
  delete base.failed;
  const ops = okOps + errors;
  return {
    ...base,
    elapsedMs: 1000,
    ops,
    okOps,
    opsPerSec: okOps,
    errors,
    errorRate: ops === 0 ? 0 : errors / ops,
    errorsByCode: errors > 0 ? { SQLITE_BUSY: errors } : {},
    acquireWait: latency(waitP95Ms),
    acquireWaitRead: latency(waitP95Ms),
    acquireWaitWrite: latency(waitP95Ms),
    opLatency: latency(waitP95Ms * 2),
    integrity: { ok: true, acknowledged: okOps, missing: 0, problems: [] },
    timeline: [
      { tMs: 0, size: 1, leased: 1, waiting: 0, heapUsed: 1 },
      { tMs: 500, size: 3, leased: 2, waiting: 1, heapUsed: 1 },
    ],
  };
}

/** A run whose event loop froze before any operation finished (as `runInChild` reports it). */
function frozen(contender: string): TestResult {
  const r = run(contender, 0);
  return {
    ...r,
    ops: 20,
    errors: 20,
    errorRate: 1,
    errorsByCode: { STOPPED: 20 },
    acquireWait: { ...latency(0), count: 0, p95Ms: 0 },
    opLatency: { ...latency(0), count: 0, maxMs: 2043 },
    integrity: { ok: true, acknowledged: 0, missing: 0, problems: [] },
    timeline: [],
    stopped: { afterMs: 2000, silentMs: 2000 },
  };
}

test('tells a bot owner to use the pool when the naive way freezes and the best peer errs', (t) => {
  const [v] = verdicts([frozen('naive'), run('naive-bt0', 4000, 400, 0.001), run('roas-pool', 3000, 0, 2.8)]);
  t.is(v?.outcome, 'use-pool');
  t.regex(v?.text ?? '', /^bot-mix, 20 workers: roas-pool 0 errors, 3000 ops\/s, acquire-wait p95 2\.8 ms\./);
  t.regex(
    v?.text ?? '',
    /Without a pool \(naive, a connection per worker\): froze its event loop: no operation finished/,
  );
  t.regex(v?.text ?? '', /Best other contender, naive-bt0: 9\.1 % of operations failed \(SQLITE_BUSY\)/);
  t.regex(
    v?.text ?? '',
    /Verdict: use the pool\. .* at 0\.75x its throughput\. It meets roas-pool's targets/,
  );
});

test('says when both run clean, with the throughput ratio and both waits', (t) => {
  const same = verdicts([run('tarn', 1000, 0, 0.4), run('roas-pool', 980, 0, 0.3)])[0];
  t.is(same?.outcome, 'no-difference');
  t.regex(
    same?.text ?? '',
    /both ran clean; the pool gives 0\.98x the throughput of tarn, acquire-wait p95 0\.300 ms against 0\.400 ms/,
  );
  const slower = verdicts([run('tarn', 2000), run('roas-pool', 1000)])[0];
  t.is(slower?.outcome, 'peer-faster');
  t.regex(slower?.text ?? '', /tarn is faster here \(the pool gives 0\.50x its throughput/);
});

test('says when the pool itself failed, froze or lost writes, and when there is no pool run', (t) => {
  const broken = verdicts([
    run('naive-bt0', 1000, 10),
    { ...run('roas-pool', 1000), integrity: { ok: false, acknowledged: 5, missing: 1, problems: [] } },
  ]);
  t.is(broken[0]?.outcome, 'pool-failed');
  t.regex(broken[0]?.text ?? '', /1 acknowledged write\(s\) MISSING/);
  const failed = verdicts([
    run('naive', 10),
    failedResult(
      { scenario: 'bot-mix', contender: 'roas-pool', workers: 20, durationMs: 1 },
      new Error('boom'),
    ),
  ]);
  t.is(failed[0]?.outcome, 'pool-failed');
  t.regex(failed[0]?.text ?? '', /roas-pool could not run \(boom\)/);
  t.is(verdicts([run('naive', 10)])[0]?.outcome, 'no-pool-run');
});

test('shows dashes, not zero latencies, for a run that froze or failed, and puts the verdict first', (t) => {
  const cells = resultCells(frozen('naive'));
  t.is(cells[3], '0');
  t.regex(cells[4] ?? '', /froze: no operation finished/);
  t.is(cells[6], '–', 'acquire wait');
  t.is(cells[8], '– (max 2043)', 'operation latency: only the silence is known');
  t.is(cells[11], 'nothing written to check');
  const failed = resultCells(
    failedResult(
      { scenario: 'bot-mix', contender: 'tarn', workers: 20, durationMs: 1 },
      new Error('no tarn'),
    ),
  );
  t.is(failed[4], 'FAILED: no tarn');
  t.notRegex(failed.join(' '), /0\.000/);
  const md = markdownReport([frozen('naive'), run('roas-pool', 100)], 't', 'c');
  t.true(md.indexOf('## Verdict') < md.indexOf('| scenario |'));
});

test('draws no chart for runs that measured nothing, and rounds axis ticks', (t) => {
  const charts = reportCharts([frozen('naive'), frozen('tarn'), run('roas-pool', 100)]);
  t.deepEqual(
    charts.map((c) => c.title.replace(/ \(.*/, '').replace(/:.*/, '')),
    [
      'Operation latency p50 / p95 / p99 / max',
      'Acquire wait p50 / p95 / p99 / max',
      'Throughput',
      'Pool size and waiters over time',
    ],
    'no error-rate chart (all 0) and no timeline for the frozen runs',
  );
  t.false(
    charts.some((c) => c.svg.includes('naive')),
    'frozen runs are left out of the latency charts',
  );
  t.deepEqual(niceTicks(3245), [0, 1000, 2000, 3000, 4000]);
  t.deepEqual(niceTicks(0.37, 2), [0, 0.2, 0.4]);
  t.deepEqual(niceTicks(7.3, 4), [0, 2, 4, 6, 8]);
  const throughput = charts.find((c) => c.title.startsWith('Throughput'))?.svg ?? '';
  const labels = [...throughput.matchAll(/text-anchor="end">([\d.]+)<\/text>/g)].map((m) => m[1]);
  t.deepEqual(labels, ['0', '25', '50', '75', '100']);
});
