import test from 'ava';
import pg from 'pg';
import { createPool, isPoolError, type PoolLifecycleEvent } from '../index.js';
import { postgresDriver } from '../postgres.js';
import { withPostgres } from './pg-server.js';
import { virtualClock } from './virtual-clock.js';

// A real `pg_ctl restart -m fast` under the load of 30 users (a throwaway server,
// test/pg-server.ts). Every session dies at once and a burst of opens fails while the server
// shuts down and starts; that burst is one outage, so it is one step of backoff, and the pool
// serves again one base wait after the server is back instead of waiting out reconnectBackoffMaxMs.
//
// No wall clock: the pool runs on a virtual clock that stands still through the restart, so every
// open that fails meanwhile fails at the same instant of the pool's time, and the test then moves
// that clock by exactly the longest first step (reconnectBackoffMs + 25% jitter). Counted as one
// step, the burst allows an open then; counted open by open (before the fix), it does not.

const BASE_MS = 500;

withPostgres((server) => {
  test.serial(
    'after a fast restart under load the pool serves again one base wait after the server is back',
    async (t) => {
      const restart = server().restart;
      if (!restart) return t.pass('restart needs a throwaway server (DATABASE_URL is set)');
      const clock = virtualClock();
      const pool = createPool({
        driver: postgresDriver({ connectionString: server().url }),
        max: 8,
        reconnectBackoffMs: BASE_MS,
        reconnectBackoffMaxMs: 60_000,
        scheduler: clock.scheduler,
      });
      const events: PoolLifecycleEvent[] = [];
      pool.events$.subscribe((e) => events.push(e));
      await pool.write((w) => w.exec('CREATE TABLE restart_log (id serial PRIMARY KEY, u int)'));
      let running = true;
      let acknowledged = 0;
      let loaded!: () => void;
      const underLoad = new Promise<void>((resolve) => (loaded = resolve));
      const causes = new Set<string>();
      const user = async (u: number): Promise<void> => {
        while (running) {
          try {
            await pool.write((w) => w.run('INSERT INTO restart_log (u) VALUES ($1)', [u]));
            if (++acknowledged === 60) loaded();
          } catch (err) {
            if (!isPoolError(err)) throw err;
            const cause = err.cause as { code?: string; message?: string } | undefined;
            causes.add(String(cause?.code ?? cause?.message));
            // Calls fail at once while the pool waits: give the event loop to the server's I/O.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      };
      const users = Array.from({ length: 30 }, (_, u) => user(u));
      await underLoad;
      await restart();
      running = false;
      await Promise.all(users);
      const failedOpens = events.filter((e) => e.type === 'connection.failed' && !e.wasOpen).length;
      // The server is back; the pool's clock has not moved since before the restart.
      await clock.advance(Math.ceil(BASE_MS * 1.25));
      const served = await pool
        .write((w) => w.run('INSERT INTO restart_log (u) VALUES ($1)', [-1]))
        .then(
          () => 'served',
          (err: Error) => err.message,
        );
      await pool.close();
      const client = new pg.Client({ connectionString: server().url });
      await client.connect();
      const present = Number(
        (await client.query<{ n: string }>('SELECT count(*) AS n FROM restart_log WHERE u >= 0')).rows[0]?.n,
      );
      await client.end();
      t.log(
        `${failedOpens} failed opens during the restart; causes ${JSON.stringify([...causes])}; ${acknowledged} writes acknowledged, ${present} present`,
      );
      t.is(served, 'served', 'one base wait after the server is back, the pool opens and serves');
      t.is(present, acknowledged, 'every acknowledged write is on the server');
    },
  );
});
