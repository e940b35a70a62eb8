import type { AsyncCommand } from 'fast-check';
import { checkInvariants } from '../invariants.js';
import { flush, type Model, type Real } from '../model.js';

/** Runs the invariants after a command has done its work and every free callback has run. */
export async function settleAndCheck(m: Model, r: Real): Promise<void> {
  await flush();
  checkInvariants(m, r);
}

/**
 * Lets `count` driver promises settle (opens, statements, closes), in the order fast-check's
 * scheduler picks: this is where the interleavings come from.
 */
export class StepCommand implements AsyncCommand<Model, Real> {
  constructor(readonly count: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    for (let i = 0; i < this.count && r.s.count() > 0; i++) {
      await r.s.waitNext(1);
      await settleAndCheck(m, r);
    }
  }
  toString(): string {
    return `step(${this.count})`;
  }
}
