import type { AsyncCommand } from 'fast-check';
import { InvariantError } from '../invariants.js';
import { waiting, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Aborts the n-th waiting acquire: it must settle at once, ABORTED (no lease left behind). */
export class AbortCommand implements AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return waiting(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const queue = waiting(m);
    const t = queue[this.pick % queue.length];
    if (!t) return;
    t.abort.abort(new Error('caller gave up'));
    await settleAndCheck(m, r);
    if (t.status !== 'rejected' || t.code !== 'ABORTED')
      throw new InvariantError('settles-once', `aborted acquire #${t.id} is ${t.status} ${t.code ?? ''}`);
  }
  toString(): string {
    return `abort(${this.pick})`;
  }
}
