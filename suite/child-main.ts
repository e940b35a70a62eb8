import type { ChildMessage, ChildOrder } from './child-protocol.js';
import { contenderByName } from './contenders/index.js';
import { measureRun } from './measure-run.js';
import { scenarioByName } from './scenarios/index.js';

// A child process of the suite: one isolated run or one shard of the `processes` scenario.
// It streams snapshots, so that if its event loop freezes the parent still has the run so far.
const send = (message: ChildMessage): void => void process.send?.(message);

// Ctrl-C in a terminal reaches the whole process group: the parent decides what stops (it
// kills this process), so a child never dies half-way through sending its last snapshot.
process.on('SIGINT', () => undefined);
// A parent that went away takes its children with it.
let finished = false;
process.on('disconnect', () => {
  if (!finished) process.exit(0);
});

process.once('message', (order: ChildOrder) => {
  measureRun(scenarioByName(order.scenario), contenderByName(order.contender), order.filename, {
    workers: order.workers,
    durationMs: order.durationMs,
    seed: order.seed,
    prefix: order.prefix,
    collectSamples: order.collectSamples,
    onSnapshot: (snapshot) => send({ type: 'snapshot', ...snapshot }),
  })
    .then(
      () => send({ type: 'done' }),
      (err: unknown) =>
        send({ type: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    )
    .finally(() => {
      finished = true;
      process.disconnect();
    });
});
