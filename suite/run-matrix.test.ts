import test from 'ava';
import { runMatrix } from './run-matrix.js';
import type { TestResult } from './types.js';

test('records a contender that throws as failed, with its error, and runs the rest', async (t) => {
  const seen: TestResult[] = [];
  const results = await runMatrix({
    scenarios: ['bot-mix'],
    workers: [2],
    contenders: ['no-such-contender', 'roas-pool'],
    durationMs: 100,
    onRunEnd: (r) => void seen.push(r),
  });
  t.deepEqual(
    results.map((r) => [r.contender, r.failed?.message.slice(0, 56)]),
    [
      ['no-such-contender', 'INVALID_ARGUMENT: unknown contender "no-such-contender";'],
      ['roas-pool', undefined],
    ],
  );
  // One step a worker at least, however loaded the machine: a count, not a race with the window.
  t.true((results[1]?.okOps ?? 0) >= 2);
  t.deepEqual(seen, results, 'onRunEnd saw each run, the failed one included');
});

test('stops between runs when its signal aborts, returning what finished', async (t) => {
  const stop = new AbortController();
  const results = await runMatrix({
    scenarios: ['bot-mix'],
    workers: [2],
    contenders: ['roas-pool', 'naive-bt0', 'roas-pool'],
    durationMs: 100,
    signal: stop.signal,
    onRunEnd: () => stop.abort(),
  });
  t.deepEqual(
    results.map((r) => r.contender),
    ['roas-pool'],
  );
});
