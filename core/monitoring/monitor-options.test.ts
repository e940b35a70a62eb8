import test from 'ava';
import { createPool, PoolError } from '../../index.js';
import { resolveMonitorOptions } from './monitor-options.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof PoolError ? `${err.code} ${err.message}` : String(err);
  }
  return 'no error';
}

test('fills in the documented defaults, with the table off', (t) => {
  t.deepEqual(resolveMonitorOptions({}), {
    statsIntervalMs: 1000,
    statsWindowMs: 60_000,
    statsTable: false,
    alerts: {
      acquireWaitP95Ms: 50,
      errorRate: 0.01,
      saturationMs: 10_000,
      leaks: 0,
      connectionFailures: 2,
      clearAfterMs: 60_000,
    },
    inspect: undefined,
  });
  t.deepEqual(resolveMonitorOptions({ statsTable: true }).statsTable, {
    intervalMs: 60_000,
    retentionMs: 7 * 24 * 3600_000,
  });
  t.is(resolveMonitorOptions({ statsWindowMs: 6000 }).alerts.clearAfterMs, 6000);
});

test('rejects bad monitoring options synchronously, naming the option', (t) => {
  t.regex(
    message(() => createPool({ filename: 'x.db', statsIntervalMs: 0 })),
    /INVALID_OPTION.*"statsIntervalMs"/,
  );
  t.regex(
    message(() => createPool({ filename: 'x.db', statsTabel: true } as never)),
    /did you mean "statsTable"/,
  );
  t.regex(
    message(() => createPool({ filename: 'x.db', statsTable: { intervalMs: 1000, retention: 5 } as never })),
    /unknown key "retention" in option "statsTable"/,
  );
  t.regex(
    message(() => createPool({ filename: 'x.db', alerts: { errorRate: -1 } })),
    /"alerts.errorRate" must be a number >= 0 or false/,
  );
  t.regex(
    message(() => createPool({ filename: 'x.db', alerts: { p95: 5 } as never })),
    /unknown key "p95"/,
  );
  t.regex(
    message(() => createPool({ filename: 'x.db', inspect: true as never })),
    /"inspect" must be a function/,
  );
});
