import type { AsyncCommand } from 'fast-check';
import { holders, type Model, type Real } from '../model.js';
import { settleAndCheck } from './step.js';

/** Releases the n-th held lease (modulo the holders). */
export class ReleaseCommand implements AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return holders(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const held = holders(m);
    const t = held[this.pick % held.length];
    if (!t?.lease) return;
    t.released = true;
    t.lease.release();
    await settleAndCheck(m, r);
  }
  toString(): string {
    return `release(${this.pick})`;
  }
}
