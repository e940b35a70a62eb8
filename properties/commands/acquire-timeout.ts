import type { AsyncCommand } from 'fast-check';
import type { LeaseMode } from '../../core/lease/lease.js';
import { issueAcquire, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Acquires with a short deadline, which a later tick may pass. */
export class AcquireTimeoutCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly mode: LeaseMode,
    readonly timeoutMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    issueAcquire(m, r, this.mode, this.timeoutMs);
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `acquire(${this.mode}, timeoutMs=${this.timeoutMs})`;
  }
}
