import type Database from 'better-sqlite3';

/** A connection of the ideal pool: its database and its prepared statements by SQL. */
interface Slot {
  db: Database.Database;
  statements: Map<string, Database.Statement>;
}

/** The ideal pool's lease: statements from its connection's cache, as promises, until released. */
class IdealLease {
  released = false;
  /** The promise of this lease's last statement: resolved at once, as every statement here is. */
  last: Promise<unknown> | undefined;

  constructor(readonly slot: Slot) {}

  get(sql: string, params: unknown[]): Promise<unknown> {
    if (this.released) return Promise.reject(new Error('lease released'));
    let stmt = this.slot.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.slot.db.prepare(sql);
      this.slot.statements.set(sql, stmt);
    }
    try {
      return (this.last = Promise.resolve(stmt.get(params)));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/**
 * The least a pool with `pool.read()`'s shape can do, the hot path's floor for the benches: a free
 * list of connections opened by need (up to `max`), a lease object per grant whose `get()` returns
 * a promise from a cached statement, the lease back when the callback's promise settles (at once
 * when that promise is the lease's last statement's, resolved already, as roas-pool's direct read
 * does: one connection then serves a line of awaiting callers), and a FIFO of callers when every
 * connection is out, each handed the next connection returned. Nothing else: no statistics, no
 * time readings, no leak watch, no turns of the event loop, no nested calls, no argument checks, no
 * session check on return. What roas-pool costs beyond it is what its guarantees and bookkeeping
 * cost. A bench anchor, not a pool to use.
 *
 * @example
 * ```ts
 * const ideal = new IdealPool(() => new Database(file), 19);
 * await ideal.read((db) => db.get('SELECT 1 AS one', []));
 * ```
 */
export class IdealPool {
  private readonly free: Slot[] = [];
  private readonly all: Slot[] = [];
  private readonly waiters: ((slot: Slot) => void)[] = [];

  constructor(
    private readonly open: () => Database.Database,
    private readonly max: number,
  ) {}

  read<T>(fn: (lease: IdealLease) => T | Promise<T>): Promise<T> {
    let slot = this.free.pop();
    if (slot === undefined && this.all.length < this.max) {
      slot = { db: this.open(), statements: new Map() };
      this.all.push(slot);
    }
    if (slot === undefined)
      return new Promise<Slot>((resolve) => this.waiters.push(resolve)).then((handed) =>
        this.run(handed, fn),
      );
    return this.run(slot, fn);
  }

  close(): void {
    for (const slot of this.all) slot.db.close();
  }

  private run<T>(slot: Slot, fn: (lease: IdealLease) => T | Promise<T>): Promise<T> {
    const lease = new IdealLease(slot);
    let result: T | Promise<T>;
    try {
      result = fn(lease);
    } catch (err) {
      this.release(lease);
      return Promise.reject(err);
    }
    if (result === lease.last) {
      this.release(lease);
      return result as Promise<T>;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.release(lease);
        return value;
      },
      (err: unknown) => {
        this.release(lease);
        throw err;
      },
    );
  }

  /** The connection goes to the oldest waiter, or back to the free list. */
  private release(lease: IdealLease): void {
    lease.released = true;
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.free.push(lease.slot);
    else waiter(lease.slot);
  }
}
