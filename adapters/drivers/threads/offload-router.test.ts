import test from 'ava';
import Database from 'better-sqlite3';
import { OffloadRouter } from './offload-router.js';
import { ThreadHost } from './thread-host.js';

// The router's choice from run times fed to it by hand: no thread is started, no clock is read.
function router(thresholdMs: number): { r: OffloadRouter; raw: Database.Database } {
  const host = new ThreadHost({ options: { filename: ':memory:' } }, 1);
  const raw = new Database(':memory:');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  return { r: new OffloadRouter(host, thresholdMs), raw };
}

const POINT = 'SELECT id FROM t WHERE id = ?';

test('a statement never seen runs inline first, unless the threshold is 0', (t) => {
  t.false(router(1).r.worth(POINT, router(1).raw, undefined));
  const { r, raw } = router(0);
  t.true(r.worth(POINT, raw, undefined));
});

test('one run at or past the threshold sends the statement to a thread', (t) => {
  const { r, raw } = router(1);
  r.record(POINT, 40);
  t.true(r.worth(POINT, raw, undefined));
});

test('a cheap statement paused once by the scheduler stays inline', (t) => {
  const { r, raw } = router(1);
  for (let i = 0; i < 10; i++) r.record(POINT, 0.01);
  r.record(POINT, 250);
  t.false(r.worth(POINT, raw, undefined));
});

test('a statement that became cheap comes back inline after a few runs', (t) => {
  const { r, raw } = router(1);
  r.record(POINT, 40);
  const runs: boolean[] = [];
  for (let i = 0; i < 6; i++) {
    runs.push(r.worth(POINT, raw, undefined));
    r.record(POINT, 0.01);
  }
  t.deepEqual(runs, [true, true, true, false, false, false]);
});

test('writes and statements that do not prepare never go to a thread', (t) => {
  const { r, raw } = router(0);
  t.false(r.worth('INSERT INTO t (id) VALUES (1)', raw, undefined));
  t.false(r.worth('SELEC 1', raw, true));
  t.false(r.worth('DELETE FROM t', raw, true));
});

test('a caller choice overrides what was learned', (t) => {
  const { r, raw } = router(1);
  t.true(r.worth(POINT, raw, true));
  r.record(POINT, 40);
  t.false(r.worth(POINT, raw, false));
});
