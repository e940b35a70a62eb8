import test from 'ava';
import { TestScheduler } from 'rxjs/testing';
import { asyncScheduler, map } from 'rxjs';
import { resizeSignals, type LoadSample } from './resize-signals.js';

const samples: Record<string, LoadSample> = {
  q: { waiting: 3, leased: 2, total: 2, waitMs: 40 },
  r: { waiting: 0, leased: 1, total: 4, waitMs: 0 },
};

function marbles(t: { deepEqual(a: unknown, b: unknown): void }): TestScheduler {
  return new TestScheduler((actual, expected) => t.deepEqual(actual, expected));
}

test('reports growth at once when requests queue, then at most once per cool-down', (t) => {
  marbles(t).run(({ cold, expectObservable, time }) => {
    const load = cold('q-q-q 6ms q', samples);
    const cooldown = time('-----|');
    const out = resizeSignals(load, {
      idleTimeoutMs: 0,
      cooldownMs: cooldown,
      scheduler: asyncScheduler,
    });
    expectObservable(out.pipe(map((s) => s.kind[0]))).toBe('g----g-----g', { g: 'g' });
  });
});

test('a growth report names the queue length, the last wait and the utilization', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const out = resizeSignals(cold('q', samples), {
      idleTimeoutMs: 0,
      cooldownMs: 1,
      scheduler: asyncScheduler,
    });
    expectObservable(out.pipe(map((s) => s.reason))).toBe('g', {
      g: 'queued load: 3 waiting (last wait 40 ms), 2 of 2 leased (100%)',
    });
  });
});

test('asks for a trim only after the load has been quiet for idleTimeoutMs', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const load = cold('r-r-r', samples);
    const out = resizeSignals(load, { idleTimeoutMs: 10, cooldownMs: 1, scheduler: asyncScheduler });
    // The throttle's window ends at 10; the load has been quiet since 4, so the debounce fires at 14.
    expectObservable(out.pipe(map((s) => s.kind[0]))).toBe('----------t---t', { t: 't' });
  });
});

test('under steady traffic asks for a trim once per idleTimeoutMs, never on every sample', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const load = cold('rrrrrrrrrrrrrrrrrrrr', samples);
    const out = resizeSignals(load, { idleTimeoutMs: 8, cooldownMs: 1, scheduler: asyncScheduler });
    // Twenty samples in a row: a trim at 8, 16 and 24 (throttle), and 27 (quiet since 19).
    expectObservable(out.pipe(map((s) => s.kind[0])), '^ 40ms !').toBe('--------t-------t-------t--t', {
      t: 't',
    });
  });
});
