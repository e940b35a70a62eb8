import type { AsyncCommand } from 'fast-check';
import type { Model, Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** The driver's next open fails (injected through the Driver seam). */
export class FailOpenCommand implements AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    if (r.faults) r.faults.failOpens++;
    await settleAndCheck(m, r);
  }
  toString(): string {
    return 'failNextOpen()';
  }
}
