import test from 'ava';
import { VirtualTimeScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { setFlagsFromString } from 'node:v8';
import { acquireQueue } from './acquire-queue.js';

function makeQueue() {
  const scheduler = new VirtualTimeScheduler();
  const queue = acquireQueue<string>({
    scheduler,
    timeoutError: (w) => new Error(`timeout ${w.deadline}`),
    abortError: () => new Error('aborted'),
  });
  return { scheduler, queue };
}

function outcome(p: Promise<string>): { value?: string; error?: string } {
  const o: { value?: string; error?: string } = {};
  p.then(
    (v) => (o.value = v),
    (e: Error) => (o.error = e.message),
  );
  return o;
}

const flush = () => new Promise((r) => setImmediate(r));

test('hands waiters out in arrival order', async (t) => {
  const { queue } = makeQueue();
  const a = outcome(queue.enqueue(100, undefined));
  const b = outcome(queue.enqueue(100, undefined));
  queue.shift()?.resolve('first');
  queue.shift()?.resolve('second');
  await flush();
  t.is(a.value, 'first');
  t.is(b.value, 'second');
  t.is(queue.size, 0);
});

test('expires each waiter at its own deadline on the injected clock, with one timer', async (t) => {
  const { scheduler, queue } = makeQueue();
  const early = outcome(queue.enqueue(10, undefined));
  const late = outcome(queue.enqueue(30, undefined));
  t.is(scheduler.actions.length, 1);
  scheduler.maxFrames = 20;
  scheduler.flush();
  await flush();
  t.is(early.error, 'timeout 10');
  t.is(late.error, undefined);
  t.is(queue.size, 1);
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  await flush();
  t.is(late.error, 'timeout 30');
  t.is(queue.size, 0);
});

test('an earlier deadline re-arms the timer; a served queue disarms it when it fires, or on rejectAll', (t) => {
  const { scheduler, queue } = makeQueue();
  void queue.enqueue(50, undefined);
  void queue.enqueue(5, undefined);
  t.is(scheduler.actions.filter((a) => !a.closed).length, 1);
  queue.shift()?.resolve('x');
  queue.shift()?.resolve('y');
  scheduler.flush();
  t.is(scheduler.actions.filter((a) => !a.closed).length, 0);
  void queue.enqueue(500, undefined).catch(() => undefined);
  queue.shift()?.resolve('z');
  queue.rejectAll(new Error('closed'));
  t.is(scheduler.actions.filter((a) => !a.closed).length, 0);
});

test('waiters that come and go one at a time share one deadline timer, and none is lost', async (t) => {
  const scheduler = new VirtualTimeScheduler();
  let armed = 0;
  const counted: SchedulerLike = {
    now: () => scheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
      armed++;
      return scheduler.schedule(work, delay, state);
    },
  };
  const queue = acquireQueue<string>({
    scheduler: counted,
    timeoutError: (w) => new Error(`timeout ${w.deadline}`),
    abortError: () => new Error('aborted'),
  });
  for (let i = 0; i < 100; i++) {
    void queue.enqueue(1000 + i, undefined);
    queue.shift()?.resolve('served');
  }
  t.is(armed, 1);
  // The one left waiting still times out at its own deadline, past the first timer's.
  const late = outcome(queue.enqueue(2000, undefined));
  scheduler.flush();
  await flush();
  t.is(late.error, 'timeout 2000');
});

test('an abort settles the waiter once and skips it on shift', async (t) => {
  const { queue } = makeQueue();
  const ac = new AbortController();
  const aborted = outcome(queue.enqueue(100, undefined, ac.signal));
  const next = outcome(queue.enqueue(100, undefined));
  ac.abort();
  t.is(queue.size, 1);
  queue.shift()?.resolve('granted');
  await flush();
  t.is(aborted.error, 'aborted');
  t.is(aborted.value, undefined);
  t.is(next.value, 'granted');
});

test('emits each arrival on requests$ with the number now waiting', (t) => {
  const { queue } = makeQueue();
  const seen: number[] = [];
  queue.requests$.subscribe((n) => seen.push(n));
  void queue.enqueue(100, undefined);
  void queue.enqueue(100, undefined);
  t.deepEqual(seen, [1, 2]);
  t.is(queue.size, 2);
});

test('every listener of requests$ hears each arrival, also when one leaves while it is told', (t) => {
  const { queue } = makeQueue();
  const seen: string[] = [];
  const first = queue.requests$.subscribe((n) => {
    seen.push(`first ${n}`);
    first.unsubscribe();
  });
  queue.requests$.subscribe((n) => seen.push(`second ${n}`));
  void queue.enqueue(100, undefined);
  void queue.enqueue(100, undefined);
  t.deepEqual(seen, ['first 1', 'second 1', 'second 2']);
});

test('rejectAll rejects every live waiter exactly once', async (t) => {
  const { queue } = makeQueue();
  const a = outcome(queue.enqueue(100, undefined));
  const b = outcome(queue.enqueue(100, undefined));
  queue.rejectAll(new Error('closed'));
  await flush();
  t.is(a.error, 'closed');
  t.is(b.error, 'closed');
  t.is(queue.size, 0);
  t.is(queue.shift(), undefined);
});

test('the queue holds the process once from its first waiter until the last leaves, however it leaves', async (t) => {
  const scheduler = new VirtualTimeScheduler();
  let holds = 0;
  let held = 0;
  const queue = acquireQueue<string>({
    scheduler,
    timeoutError: (w) => new Error(`timeout ${w.deadline}`),
    abortError: () => new Error('aborted'),
    keepAlive: () => {
      holds++;
      held++;
      return () => held--;
    },
  });
  const ac = new AbortController();
  const served = outcome(queue.enqueue(100, undefined));
  const aborted = outcome(queue.enqueue(100, undefined, ac.signal));
  const late = outcome(queue.enqueue(100, undefined));
  t.deepEqual([holds, held], [1, 1]);
  queue.shift()?.resolve('granted');
  ac.abort();
  t.is(held, 1);
  scheduler.flush();
  await flush();
  t.deepEqual([served.value, aborted.error, late.error], ['granted', 'aborted', 'timeout 100']);
  t.deepEqual([holds, held], [1, 0]);
});

test('each waiter settles its own promise, also one queued by a listener while it hears of another', async (t) => {
  const { queue } = makeQueue();
  const other = makeQueue().queue;
  const inner: { value?: string; error?: string }[] = [];
  const sub = queue.requests$.subscribe(() => {
    sub.unsubscribe();
    inner.push(outcome(queue.enqueue(100, undefined)), outcome(other.enqueue(100, undefined)));
  });
  const outer = outcome(queue.enqueue(100, undefined));
  t.is(queue.size, 2);
  queue.shift()?.resolve('outer');
  queue.shift()?.resolve('inner');
  other.shift()?.resolve('other');
  await flush();
  t.is(outer.value, 'outer');
  t.deepEqual(inner, [{ value: 'inner' }, { value: 'other' }]);
});

test('a request whose arrival throws (the process hold) rejects and leaves the queue, and enqueue does not throw', async (t) => {
  const queue = acquireQueue<string>({
    scheduler: new VirtualTimeScheduler(),
    timeoutError: () => new Error('timeout'),
    abortError: () => new Error('aborted'),
    keepAlive: () => {
      throw new Error('no hold');
    },
  });
  let failed: Promise<string> | undefined;
  t.notThrows(() => (failed = queue.enqueue(100, undefined)));
  await t.throwsAsync(failed as Promise<string>, { message: 'no hold' });
  // Rejected, so out of the queue: a grant must never go to it (its lease would have no holder).
  t.is(queue.size, 0);
  t.is(queue.shift(), undefined);
});

test('a waiter is stamped with the time its caller read, when given', (t) => {
  const { queue } = makeQueue();
  void queue.enqueue(100, undefined, undefined, 42);
  void queue.enqueue(100, undefined);
  t.is(queue.shift()?.enqueuedAt, 42);
  t.is(queue.shift()?.enqueuedAt, 0);
});

// Every acquire, read and release of the pool reads `size` and calls `shift` or `enqueue`. An
// accessor per queue (a getter in the object literal, or one defined on each queue) left the
// queues' properties in V8's dictionary mode, and those calls took the generic property lookup.
test('every queue keeps V8 fast properties, the first and those made after it', (t) => {
  setFlagsFromString('--allow-natives-syntax');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8's %-syntax parses only in code compiled after the flag
  const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const queues = [makeQueue().queue, makeQueue().queue, makeQueue().queue];
  t.true(hasFastProperties({ a: 1 }), 'the check itself works');
  t.false(
    hasFastProperties({
      get a() {
        return 1;
      },
    }),
    'the check can fail: an object literal with a getter',
  );
  for (const [i, queue] of queues.entries()) {
    void queue.enqueue(100, undefined).catch(() => undefined);
    queue.shift()?.resolve('x');
    t.is(queue.size, 0);
    t.true(hasFastProperties(queue), `queue ${i + 1}`);
  }
});
