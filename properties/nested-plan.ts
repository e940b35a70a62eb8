import fc from 'fast-check';
import type { Lease } from '../core/lease/lease.js';
import type { Pool } from '../core/pool.js';

/**
 * What the nested-transaction command (commands/nested-transaction.ts) runs inside its outer
 * transaction: INSERTs on the callback's lease, reads that must see the transaction's own rows,
 * nested writes and transactions (savepoints) that may fail, and nested calls under Promise.all.
 */
export type NestedStep =
  | { readonly op: 'insert' }
  | { readonly op: 'read' }
  /** Nested calls at once: a write that inserts (false) or a savepoint that inserts, then fails (true). */
  | { readonly op: 'all'; readonly failing: readonly boolean[] }
  | { readonly op: 'write'; readonly steps: readonly NestedStep[] }
  | { readonly op: 'transaction'; readonly steps: readonly NestedStep[]; readonly fails: boolean };

const { steps } = fc.letrec<{ steps: NestedStep[]; step: NestedStep }>((tie) => ({
  steps: fc.array(tie('step'), { maxLength: 4 }),
  step: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'nested-plan' },
    fc.constant<NestedStep>({ op: 'insert' }),
    fc.constant<NestedStep>({ op: 'read' }),
    fc
      .array(fc.boolean(), { minLength: 2, maxLength: 3 })
      .map((failing): NestedStep => ({ op: 'all', failing })),
    tie('steps').map((inner): NestedStep => ({ op: 'write', steps: inner })),
    fc
      .tuple(tie('steps'), fc.boolean())
      .map(([inner, fails]): NestedStep => ({ op: 'transaction', steps: inner, fails })),
  ),
}));

/** Plans of nested work, up to three levels deep. */
export const nestedStepsArbitrary: fc.Arbitrary<NestedStep[]> = steps;

/** The error a planned failure throws; any other error is the pool's. */
export class PlannedFailure extends Error {}

/** The rows the work should see, and a broken promise it noticed on the way. */
export interface PlayState {
  visible: Set<number>;
  nextId: () => number;
  readonly violations: string[];
}

const INSERT = 'INSERT INTO nest (id) VALUES (?)';

function insert(db: Lease, state: PlayState): Promise<unknown> {
  const id = state.nextId();
  return db.run(INSERT, [id]).then(() => state.visible.add(id));
}

/** A savepoint that inserts one row and fails: the row must not stay. */
function failingSavepoint(pool: Pool, state: PlayState): Promise<unknown> {
  return pool
    .transaction(async (db) => {
      await insert(db, state);
      throw new PlannedFailure('planned');
    })
    .catch((err: unknown) => {
      if (!(err instanceof PlannedFailure)) throw err;
    });
}

/** Runs `plan` on `db` (the callback's lease), calling `pool` for the nested work. */
export async function play(
  pool: Pool,
  db: Lease,
  plan: readonly NestedStep[],
  state: PlayState,
): Promise<void> {
  for (const step of plan) {
    if (step.op === 'insert') await insert(db, state);
    else if (step.op === 'read') {
      const rows = await pool.read((r) => r.all<{ id: number }>('SELECT id FROM nest ORDER BY id'));
      const seen = rows.map((row) => row.id).join(',');
      const expected = [...state.visible].sort((a, b) => a - b).join(',');
      if (seen !== expected)
        state.violations.push(
          `read-your-writes: a nested read saw [${seen}], the transaction has [${expected}]`,
        );
    } else if (step.op === 'all') {
      // Rows of a failing savepoint are removed from `visible` by nobody: they must never be seen.
      const kept = new Set(state.visible);
      const ids: number[] = [];
      await Promise.all(
        step.failing.map((fails) =>
          fails
            ? failingSavepoint(pool, { ...state, visible: new Set() })
            : pool.write((w) => {
                const id = state.nextId();
                ids.push(id);
                return w.run(INSERT, [id]);
              }),
        ),
      );
      state.visible = kept;
      for (const id of ids) state.visible.add(id);
    } else if (step.op === 'write') await pool.write((w) => play(pool, w, step.steps, state));
    else {
      const before = new Set(state.visible);
      await pool
        .transaction(async (sp) => {
          await play(pool, sp, step.steps, state);
          if (step.fails) throw new PlannedFailure('planned');
        })
        .catch((err: unknown) => {
          if (!(err instanceof PlannedFailure)) throw err;
          state.visible = before;
        });
    }
  }
}

/** A plan, short, for counterexamples. */
export function showPlan(plan: readonly NestedStep[]): string {
  return plan
    .map((s) =>
      s.op === 'write'
        ? `write[${showPlan(s.steps)}]`
        : s.op === 'transaction'
          ? `tx${s.fails ? '!' : ''}[${showPlan(s.steps)}]`
          : s.op === 'all'
            ? `all(${s.failing.map((f) => (f ? 'sp!' : 'w')).join(',')})`
            : s.op,
    )
    .join(' ');
}
