import test from 'ava';
import { VirtualTimeScheduler } from 'rxjs';
import { PoolError } from '../core/errors/errors.js';
import { errorCode, monitorErrorRates, type ErrorRateWindow } from './monitor-error-rates.js';

test('files errors under the pool code, the SQLite code, or the error name', (t) => {
  t.is(errorCode(new PoolError('ACQUIRE_TIMEOUT')), 'ACQUIRE_TIMEOUT');
  t.is(errorCode(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })), 'SQLITE_BUSY');
  class TimeoutError extends Error {
    override name = 'TimeoutError';
  }
  t.is(errorCode(new TimeoutError('x')), 'TimeoutError');
  t.is(errorCode(new Error('plain')), 'UNKNOWN');
  t.is(errorCode('a string'), 'UNKNOWN');
});

test('counts outcomes by code and computes the rate', (t) => {
  const monitor = monitorErrorRates();
  t.deepEqual(monitor.snapshot(), { ops: 0, errors: 0, rate: 0, byCode: {} });
  for (let i = 0; i < 7; i++) monitor.success();
  monitor.failure(new PoolError('POOL_EXHAUSTED'));
  monitor.failure(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }));
  monitor.failure(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }));
  t.deepEqual(monitor.snapshot(), {
    ops: 10,
    errors: 3,
    rate: 0.3,
    byCode: { POOL_EXHAUSTED: 1, SQLITE_BUSY: 2 },
  });
});

test('emits one window per period and alerts above the threshold', (t) => {
  const scheduler = new VirtualTimeScheduler();
  const monitor = monitorErrorRates({ windowMs: 100, alertRate: 0.01, scheduler });
  const windows: ErrorRateWindow[] = [];
  monitor.rates$.subscribe((w) => windows.push(w));
  for (let i = 0; i < 200; i++) monitor.success();
  monitor.failure(new Error('x'));
  scheduler.schedule(() => {
    for (let i = 0; i < 50; i++) monitor.success();
    monitor.failure(new Error('y'));
  }, 150);
  scheduler.maxFrames = 250;
  scheduler.flush();
  t.deepEqual(windows, [
    { ops: 201, errors: 1, rate: 1 / 201, alert: false },
    { ops: 51, errors: 1, rate: 1 / 51, alert: true },
  ]);
});
