import test from 'ava';
import { createPool, type Pool, type PoolOptions } from '../../index.js';
import { SQLITE_MODES, tempDir } from '../../test/helpers.js';

// A loop of awaited reads must let the event loop turn (issue 29): a timer and a setImmediate
// queued when the loop starts run while it is still going. Counted in reads, not in ms: without
// the budget they run only once the loop is over, after its last read.
const READS = 20_000;

type Op = (pool: Pool) => Promise<unknown>;

const pointRead: Op = (pool) => pool.read((db) => db.get('SELECT xp FROM u WHERE id = ?', [1]));

async function loopWith(
  options: Partial<PoolOptions>,
  op: Op = pointRead,
  workers = 1,
): Promise<{ timerAt: number; immediateAt: number }> {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), ...options });
  try {
    await pool.write((db) =>
      db.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, xp INT); INSERT INTO u VALUES (1, 0)'),
    );
    await pool.read((db) => db.get('SELECT xp FROM u WHERE id = 1'));
    let reads = 0;
    let timerAt = -1;
    let immediateAt = -1;
    setTimeout(() => (timerAt = reads), 1);
    setImmediate(() => (immediateAt = reads));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (reads < READS && (timerAt < 0 || immediateAt < 0)) {
          await op(pool);
          reads++;
        }
      }),
    );
    // Let the callbacks come in if the loop ran to its end without them.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { timerAt, immediateAt };
  } finally {
    await pool.close();
    tmp.cleanup();
  }
}

for (const [mode, threads] of SQLITE_MODES) {
  test(`${mode}: a timer and a setImmediate run while a loop of awaited reads is going`, async (t) => {
    const { timerAt, immediateAt } = await loopWith({ threads, eventLoopBudgetMs: 1 });
    t.true(immediateAt >= 0 && immediateAt < READS, `the setImmediate ran after read ${immediateAt}`);
    t.true(timerAt >= 0 && timerAt < READS, `the timer ran after read ${timerAt}`);
  });
}

// Writers that take turns on the one write connection get it by hand-off, one microtask after
// another: the hand-off must let the loop turn too. Their transactions await only microtasks.
const microtaskTransaction: Op = (pool) =>
  pool.transaction(async (tx) => {
    await tx.run('UPDATE u SET xp = xp + 1 WHERE id = 1');
    await Promise.resolve();
  });

for (const [mode, threads] of SQLITE_MODES) {
  test(`${mode}: a timer and a setImmediate run while writers take turns in a loop`, async (t) => {
    const { timerAt, immediateAt } = await loopWith(
      { threads, eventLoopBudgetMs: 1 },
      microtaskTransaction,
      4,
    );
    t.true(immediateAt >= 0 && immediateAt < READS, `the setImmediate ran after transaction ${immediateAt}`);
    t.true(timerAt >= 0 && timerAt < READS, `the timer ran after transaction ${timerAt}`);
  });
}

test('eventLoopBudgetMs: 0 never yields: the loop runs to its end before a macrotask', async (t) => {
  const { immediateAt } = await loopWith({ eventLoopBudgetMs: 0 });
  t.is(immediateAt, READS);
});
