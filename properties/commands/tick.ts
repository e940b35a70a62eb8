import type { AsyncCommand } from 'fast-check';
import type { Model, Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Moves the virtual clock: deadlines pass, the sizer samples the load. */
export class TickCommand implements AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    r.clock.advance(this.ms);
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `tick(${this.ms}ms)`;
  }
}
