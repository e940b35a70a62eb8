import test from 'ava';
import { from } from 'rxjs';
import { resolveMonitorOptions } from '../core/monitoring/monitor-options.js';
import { poolAlerts, type AlertInput, type PoolAlert } from './alerts.js';

// People read alert text (issue 29): `46.399487 > 50 ms` is noise; three significant digits do.
function snap(at: number, p95Ms: number): AlertInput {
  const wait = { count: 1, minMs: 0, meanMs: 0, p50Ms: 0, p95Ms, p99Ms: 0, maxMs: 0 };
  return {
    at,
    waiting: 0,
    window: {
      ms: 60_000,
      acquired: 100,
      errors: 0,
      errorRate: 0,
      leaks: 0,
      connectionFailures: 0,
      acquireWait: wait,
    },
  };
}

test('alert text shows the measure rounded to three significant digits; the value stays exact', (t) => {
  const thresholds = resolveMonitorOptions({ alerts: { clearAfterMs: 1 } }).alerts;
  const seen: PoolAlert[] = [];
  from([snap(0, 66.399487), snap(1, 3.14159), snap(2, 3.14159)])
    .pipe(poolAlerts(thresholds))
    .subscribe((a) => seen.push(a));
  t.regex(seen[0]?.message ?? '', /\(66\.4 > 50 ms\)$/);
  t.is(seen[0]?.value, 66.399487);
  t.regex(seen[1]?.message ?? '', /cleared: 3\.14 <= 50 ms/);
});
