import test from 'ava';
import { TestScheduler } from 'rxjs/testing';
import { demandSignal } from './demand-signal.js';

function scheduler(t: { deepEqual(a: unknown, b: unknown): void }): TestScheduler {
  return new TestScheduler((actual, expected) => t.deepEqual(actual, expected));
}

test('a burst of arrivals becomes one signal with the latest count', (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const arrivals = cold('(abc)---(de)|', { a: 1, b: 2, c: 3, d: 4, e: 5 });
    expectObservable(arrivals.pipe(demandSignal(() => true))).toBe('c-------e---|', { c: 3, e: 5 });
  });
});

test('arrivals while the lane cannot grow send nothing', (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    let open = 0;
    const arrivals = cold('a-b-c-d|', { a: 1, b: 2, c: 3, d: 4 });
    const canGrow = () => ++open <= 2;
    expectObservable(arrivals.pipe(demandSignal(canGrow))).toBe('a-b----|', { a: 1, b: 2 });
  });
});
