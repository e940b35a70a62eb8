import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, threadDriver } from '../index.js';
import { tempDir } from '../test/helpers.js';

// Inline, a read that does not await gives its connection back in the same turn, so the waiters
// behind it are served by hand-off and need no connection of their own.

test('a burst of 50 synchronous reads opens one reader, not one each', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 20 });
  t.teardown(async () => {
    await pool.close();
    tmp.cleanup();
  });
  const rows = await Promise.all(
    Array.from({ length: 50 }, (_, i) => pool.read((db) => db.get('SELECT ? AS i', [i]))),
  );
  t.deepEqual(rows[49], { i: 49 });
  await sleep(20);
  t.is(pool.stats().total, 1);
  t.is(pool.stats().created, 1);
});

test('readers held across awaits still get a connection each, up to max', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 9 });
  t.teardown(async () => {
    await pool.close();
    tmp.cleanup();
  });
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 16 }, () =>
      pool.read(async (db) => {
        most = Math.max(most, ++inside);
        await sleep(30);
        await db.get('SELECT 1');
        inside--;
      }),
    ),
  );
  t.is(most, 8, 'eight readers (max 9, one writer) held at once');
  t.is(pool.stats().created, 8);
});

test('on worker threads every read awaits the thread, so a burst opens readers as before', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ driver: threadDriver({ filename: tmp.file() }), max: 4 });
  t.teardown(async () => {
    await pool.close();
    tmp.cleanup();
  });
  await Promise.all(Array.from({ length: 20 }, () => pool.read((db) => db.get('SELECT 1'))));
  // Asked for at once: some may still be opening when a fast first reader has served the burst.
  const { created, opening } = pool.stats();
  t.true(created + opening > 1);
});
