import type { Params } from '../core/driver.js';

/** The one table the fake keeps rows of: `nest (id)`, written by the nested-transaction command. */
const INSERT_NEST = /^INSERT INTO nest\b/i;
const SELECT_NEST = /^SELECT id FROM nest\b/i;
const SAVEPOINT = /^(SAVEPOINT|ROLLBACK TO SAVEPOINT|RELEASE SAVEPOINT)\s+(\w+)$/i;

/**
 * What one fake connection's transaction holds, for the memory driver (memory-driver.ts): the
 * INSERTs not yet committed, in order, and the savepoints open over them. Rows of `nest` reach the
 * driver's committed set at COMMIT (or at once in autocommit); a ROLLBACK TO SAVEPOINT drops the
 * INSERTs made since that savepoint, as SQLite does. @internal
 */
export class MemoryTransaction {
  /** One element per INSERT made in the open transaction: its `nest` id, or undefined. */
  readonly pending: (number | undefined)[] = [];
  private readonly savepoints: { name: string; mark: number }[] = [];

  constructor(private readonly committed: Set<number>) {}

  /** An INSERT: held in the transaction, or committed at once. */
  insert(sql: string, params: Params | undefined, inTransaction: boolean): void {
    const id = INSERT_NEST.test(sql) && Array.isArray(params) ? (params[0] as number) : undefined;
    if (inTransaction) this.pending.push(id);
    else if (id !== undefined) this.committed.add(id);
  }

  /** COMMIT: the held INSERTs become durable; returns how many there were. */
  commit(): number {
    const count = this.pending.length;
    for (const id of this.pending) if (id !== undefined) this.committed.add(id);
    this.rollback();
    return count;
  }

  rollback(): void {
    this.pending.length = 0;
    this.savepoints.length = 0;
  }

  /**
   * SAVEPOINT, ROLLBACK TO SAVEPOINT or RELEASE SAVEPOINT; `false` when `sql` is none of them.
   * Throws as SQLite does for a savepoint that is not open.
   */
  savepoint(sql: string, inTransaction: boolean): boolean {
    const match = SAVEPOINT.exec(sql.trim());
    if (!match) return false;
    const [, verb = '', name = ''] = match;
    if (verb.toUpperCase() === 'SAVEPOINT') {
      if (!inTransaction) throw new Error('the fake models SAVEPOINT inside a transaction only');
      this.savepoints.push({ name, mark: this.pending.length });
      return true;
    }
    const at = this.savepoints.map((s) => s.name).lastIndexOf(name);
    if (at < 0) throw new Error(`no such savepoint: ${name}`);
    const mark = (this.savepoints[at] as { mark: number }).mark;
    if (verb.toUpperCase() === 'RELEASE SAVEPOINT') this.savepoints.length = at;
    else {
      this.pending.length = mark;
      this.savepoints.length = at + 1;
    }
    return true;
  }

  /** The `nest` ids this connection sees: committed, and its own uncommitted ones. */
  select(sql: string): { id: number }[] | undefined {
    if (!SELECT_NEST.test(sql)) return undefined;
    const ids = new Set(this.committed);
    for (const id of this.pending) if (id !== undefined) ids.add(id);
    return [...ids].sort((a, b) => a - b).map((id) => ({ id }));
  }
}
