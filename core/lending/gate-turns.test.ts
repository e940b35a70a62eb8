import test from 'ava';
import { performance } from 'node:perf_hooks';
import { standInGate } from '../../test/helpers.js';
import { GATE_TURN_MAX_MS, GATE_TURN_MS, gateTurnMs, GateTurns } from './gate-turns.js';

// The length of a turn is the pool's own decision, made from what the gate says (another process
// waits, how many share the lane) and the monotonic clock. A stand-in gate says it, and the clock
// is moved by hand: the real lane across processes is exercised in adapters/lane/lane.test.ts, and
// its figures in bench/shards.ts. Serial: the clock is patched for the whole worker.
const clock = { now: 0 };
const realNow = performance.now.bind(performance);
test.before(() => {
  performance.now = () => clock.now;
});
test.after.always(() => {
  performance.now = realNow;
});

/** A gate this process holds, with `processes` sharing it, and another process waiting from the start. */
function heldTurns(processes: number): { turns: GateTurns; yielded: () => void } {
  const { gate, yielded } = standInGate(processes, true);
  const turns = new GateTurns(
    gate,
    () => undefined,
    () => false,
  );
  return { turns, yielded };
}

/** The longest a process keeps granting locally once another waits, on the stand-in clock. */
async function turnOf(processes: number): Promise<number> {
  clock.now = 1000;
  const { turns, yielded } = heldTurns(processes);
  turns.ask();
  await Promise.resolve(); // the lane is entered: held from now
  yielded();
  let ms = 0;
  while (turns.mayGrant() && ms < 100) clock.now = 1000 + ++ms;
  return ms;
}

test.serial(
  'a turn is the round shared by the other processes, less a gap, between the shortest and the longest',
  (t) => {
    t.is(gateTurnMs(1), GATE_TURN_MAX_MS);
    t.is(gateTurnMs(2), GATE_TURN_MAX_MS);
    t.is(gateTurnMs(3), 14.5);
    t.is(gateTurnMs(6), GATE_TURN_MS);
    t.is(gateTurnMs(40), GATE_TURN_MS);
  },
);

test.serial(
  'two or three processes on the lane take long turns, six or more short ones: a writer waits about one round either way',
  async (t) => {
    t.is(await turnOf(2), 16);
    t.is(await turnOf(3), 15);
    t.is(await turnOf(6), GATE_TURN_MS);
    t.is(await turnOf(12), GATE_TURN_MS);
  },
);

test.serial(
  'a turn is timed from the first word that another process waits: more processes queueing later do not make it longer',
  async (t) => {
    clock.now = 1000;
    const { turns, yielded } = heldTurns(6);
    turns.ask();
    await Promise.resolve(); // the lane is entered: held from now
    yielded(); // a second process queues: the turn's clock starts
    clock.now = 1003;
    yielded(); // a third queues; the coordinator says so again
    t.true(turns.mayGrant());
    clock.now = 1000 + GATE_TURN_MS;
    t.false(turns.mayGrant(), 'the turn is over 4 ms after the first word, not after the last');
  },
);
