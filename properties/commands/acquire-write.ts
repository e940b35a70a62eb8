import type { AsyncCommand } from 'fast-check';
import { issueAcquire, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Acquires the write lane with a long deadline. */
export class AcquireWriteCommand implements AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    issueAcquire(m, r, 'write', 60_000);
    await settleAndCheck(m, r);
  }
  toString(): string {
    return 'acquire(write)';
  }
}
