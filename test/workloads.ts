import type { Pool } from '../core/pool.js';

/** One run of the core's acceptance workload; see {@link awaitingTransactions}. */
export interface AwaitingTransactions {
  workers: number;
  perWorker: number;
  /** Inserts one `(w, i)` row into table `t`, in the pool's placeholder style. */
  insertSql: string;
  /** What a transaction awaits between its two statements, and a reader between reads. */
  pause: () => Promise<unknown>;
}

/**
 * `workers` callers each run `perWorker` transactions that insert `+i`, await `pause`, then insert
 * `-i`, while 4 readers keep summing table `t`. A reader that ever sees an odd count or a non-zero
 * sum has seen half a transaction (`partial`). Used by the SQLite and PostgreSQL integration tests.
 */
export async function awaitingTransactions(
  pool: Pool,
  w: AwaitingTransactions,
): Promise<{ errors: unknown[]; partial: number; reads: number }> {
  const errors: unknown[] = [];
  let writing = true;
  let partial = 0;
  let reads = 0;
  const readers = Array.from({ length: 4 }, async () => {
    while (writing) {
      const row = await pool.read((db) =>
        db.get<{ n: number | string; s: number | string | null }>('SELECT count(*) AS n, sum(i) AS s FROM t'),
      );
      reads++;
      if (!row || Number(row.n) % 2 !== 0 || Number(row.s ?? 0) !== 0) partial++;
      await w.pause();
    }
  });
  await Promise.all(
    Array.from({ length: w.workers }, async (_, worker) => {
      for (let i = 1; i <= w.perWorker; i++) {
        try {
          await pool.transaction(async (tx) => {
            await tx.run(w.insertSql, [worker, i]);
            await w.pause();
            await tx.run(w.insertSql, [worker, -i]);
          });
        } catch (err) {
          errors.push(err);
        }
      }
    }),
  );
  writing = false;
  await Promise.all(readers);
  return { errors, partial, reads };
}
