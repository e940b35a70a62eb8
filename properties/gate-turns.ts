import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { gateTurnMs, GateTurns } from '../core/lending/gate-turns.js';
import { standInGate } from '../test/helpers.js';
import { InvariantError } from './invariants.js';

/**
 * A process's turn on the cross-process lane (core/lending/gate-turns.ts), against a clock moved
 * by hand: it holds the lane, and the coordinator says, any number of times and at any moments,
 * that another process waits (one word for each process that queues). Invariant `turn-bounded`:
 * from the first word on, the process stops lending its write connection within one turn
 * (`gateTurnMs` of the processes sharing the lane), however many words follow.
 */

type Step = { type: 'tick'; ms: number } | { type: 'queued' };

const step: fc.Arbitrary<Step> = fc.oneof(
  // Microseconds drawn as integers: fc.double draws most of its values close to 0.
  fc.record({
    type: fc.constant('tick' as const),
    ms: fc.integer({ min: 0, max: 3000 }).map((us) => us / 1000),
  }),
  fc.record({ type: fc.constant('queued' as const) }),
);

/** The turns under test: the real ones, or a broken variant. */
export type TurnsClass = typeof GateTurns;

/** Broken: every word restarts the turn's clock, the fault bench/shards.ts showed (1.2 s waits). */
export class RestartingTurns extends GateTurns {
  protected override heard(): void {
    this.timed = true;
    this.contendedAt = performance.now();
  }
}

export function gateTurnsProperty(Turns: TurnsClass = GateTurns): fc.IAsyncProperty<[number, Step[]]> {
  return fc.asyncProperty(
    fc.integer({ min: 2, max: 8 }),
    fc.array(step, { maxLength: 40 }),
    async (processes, steps) => {
      let clock = 0;
      const realNow = performance.now.bind(performance);
      performance.now = () => clock;
      try {
        const { gate, yielded } = standInGate(processes);
        // The write connection is always lent to a local writer: the turn ends only by the clock.
        const turns = new Turns(
          gate,
          () => undefined,
          () => false,
        );
        turns.ask();
        await Promise.resolve(); // entered: the lane is held
        const turn = gateTurnMs(processes);
        let firstWord: number | undefined;
        for (const s of steps) {
          if (s.type === 'tick') clock += s.ms;
          else {
            firstWord ??= clock;
            yielded();
          }
          if (firstWord !== undefined && clock - firstWord >= turn && turns.mayGrant())
            throw new InvariantError(
              'turn-bounded',
              `still lending ${(clock - firstWord).toFixed(2)} ms after the first word that another process waits (a turn is ${turn} ms with ${processes} processes)`,
            );
        }
      } finally {
        performance.now = realNow;
      }
    },
  );
}
