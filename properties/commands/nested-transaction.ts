import type { AsyncCommand } from 'fast-check';
import { PoolError } from '../../core/errors/errors.js';
import { holders, waiting, flush, type Model, type Real } from '../model.js';
import { PlannedFailure, play, showPlan, type NestedStep, type PlayState } from '../nested-plan.js';
import { settleAndCheck } from './step.js';

/** Errors a transaction may end with that are no fault of nesting: closed, queue full, opens fail. */
const EXPECTED = new Set(['POOL_CLOSED', 'POOL_EXHAUSTED', 'CONNECTION_FAILED']);

/**
 * The connection died of a fault the model injected (failConnection), possibly one sent by the
 * previous holder, which released before it settled: the pool refuses the rest of the transaction
 * on it (LEASE_REVOKED, CONNECTION_LOST). That is no fault of nesting, and the rows check below
 * still holds that nothing of it was committed.
 */
function killedByInjectedFault(err: unknown): boolean {
  return (
    err instanceof PoolError &&
    (err.code === 'LEASE_REVOKED' || err.code === 'CONNECTION_LOST') &&
    (err.cause as { code?: unknown } | undefined)?.code === 'MEMORY_FATAL'
  );
}

/**
 * A transaction with nested work inside (nested-plan.ts): savepoints that commit or roll back,
 * nested writes and reads, nested calls under Promise.all; the outer commits or fails. Checked
 * against the model's rows: the committed rows of table `nest` are exactly those of every
 * committed transaction's work that was not rolled back with its savepoint, and every nested read
 * saw the transaction's own rows. It runs to its end within the command: a nested call that waits
 * for the write lane its own transaction holds never ends, and is reported as a deadlock.
 */
export class NestedTransactionCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly plan: readonly NestedStep[],
    readonly outerFails: boolean,
  ) {}

  check(m: Model): boolean {
    // A write lease held (or awaited) by another command would keep this one waiting.
    return ![...holders(m), ...waiting(m)].some((t) => t.mode === 'write');
  }

  async run(m: Model, r: Real): Promise<void> {
    const state: PlayState = { visible: new Set(m.rows), nextId: () => m.nextRow++, violations: [] };
    let outcome: 'pending' | 'committed' | 'planned' | 'failed' = 'pending';
    let failure: unknown;
    void r.pool
      .transaction(async (tx) => {
        await tx.exec('CREATE TABLE IF NOT EXISTS nest (id INTEGER PRIMARY KEY)');
        await play(r.pool, tx, this.plan, state);
        if (this.outerFails) throw new PlannedFailure('planned');
      })
      .then(
        () => (outcome = 'committed'),
        (err: unknown) => {
          outcome = err instanceof PlannedFailure ? 'planned' : 'failed';
          failure = err;
        },
      );
    for (let round = 0; round < 200 && outcome === 'pending'; round++) {
      await r.s.waitIdle();
      r.clock.advance(0);
      await flush();
    }
    if (outcome === 'pending') m.violations.push('nested-deadlock: the transaction never finished');
    else if (outcome === 'committed') m.rows = state.visible;
    else if (
      outcome === 'failed' &&
      !(failure instanceof PoolError && EXPECTED.has(failure.code)) &&
      !killedByInjectedFault(failure)
    )
      m.violations.push(`nested-rows: the transaction failed: ${String(failure)}`);
    m.violations.push(...state.violations);
    const rows = r.rows().join(',');
    const expected = [...m.rows].sort((a, b) => a - b).join(',');
    if (rows !== expected) m.violations.push(`nested-rows: [${rows}] committed, the model has [${expected}]`);
    await settleAndCheck(m, r);
  }

  toString(): string {
    return `transaction[${showPlan(this.plan)}]${this.outerFails ? '!' : ''}`;
  }
}
