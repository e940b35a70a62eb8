import test from 'ava';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPool } from '../../index.js';
import { tempDir } from '../../test/helpers.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

// One test a file: it counts AsyncLocalStorage.prototype.disable calls of the whole process, by
// wrapping the method; nothing is faked.
test('writers taking turns keep the nesting storage on; a turn with no hold switches it off, and nesting still joins', async (t) => {
  let offs = 0;
  const disable = AsyncLocalStorage.prototype.disable;
  AsyncLocalStorage.prototype.disable = function (this: AsyncLocalStorage<unknown>) {
    offs++;
    disable.call(this);
  };
  t.teardown(() => {
    AsyncLocalStorage.prototype.disable = disable;
  });
  for (const threads of [false, true, 'all'] as const) {
    const tmp = tempDir();
    const pool = createPool({ filename: tmp.file(), threads });
    try {
      await pool.write((db) => db.exec('CREATE TABLE t (v INT)'));
      await turn();
      offs = 0;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pool.transaction(async (tx) => {
            await tx.run('INSERT INTO t VALUES (?)', [i]);
            await Promise.resolve(); // a microtask await, as a bot's
            // Nested work joins the hold it runs in: it sees the uncommitted row.
            const seen = await pool.read((db) =>
              db.get<{ n: number }>('SELECT count(*) AS n FROM t WHERE v = ?', [i]),
            );
            t.is(seen?.n, 1);
          }),
        ),
      );
      t.is(offs, 0, `threads: ${threads}`);
      await turn();
      t.is(offs, 1, `threads: ${threads}`);
      // Switched off and on again, the storage still carries the hold to nested calls.
      const joined = await pool.transaction(() => pool.write((db) => db.inTransaction));
      t.true(joined);
    } finally {
      await pool.close();
      tmp.cleanup();
    }
  }
});
