import test from 'ava';
import pg from 'pg';
import { createPool, type PoolAlert, type PoolLifecycleEvent } from '../index.js';
import { postgresDriver } from '../postgres.js';
import { withPostgres } from './pg-server.js';

// Retirement by age on the real PostgreSQL (a throwaway server, test/pg-server.ts): connections
// past maxLifetimeMs are replacements, never failures, so the error rate stays 0 and no critical
// alert fires, and every acknowledged write is on the server.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

withPostgres((server) => {
  test.serial(
    'postgresDriver({ maxLifetimeMs }) retires connections as replacements: error rate 0, no critical alert, every write kept',
    async (t) => {
      const pool = createPool({
        driver: postgresDriver({ connectionString: server().url, maxLifetimeMs: 150 }),
        max: 4,
        statsIntervalMs: 50,
      });
      const events: PoolLifecycleEvent[] = [];
      const alerts: PoolAlert[] = [];
      pool.events$.subscribe((e) => events.push(e));
      const watching = pool.alerts$.subscribe((a) => alerts.push(a));
      await pool.write((w) => w.exec('CREATE TABLE IF NOT EXISTS life (id serial PRIMARY KEY, n int)'));
      let acknowledged = 0;
      let ok = 0;
      for (let i = 0; i < 60; i++) {
        await Promise.all([
          pool.write((w) => w.run('INSERT INTO life (n) VALUES ($1)', [i])).then(() => acknowledged++),
          pool.read((r) => r.get('SELECT count(*) AS n FROM life')).then(() => ok++),
        ]);
        await sleep(20);
      }
      const stats = pool.stats();
      watching.unsubscribe();
      await pool.close();
      const client = new pg.Client({ connectionString: server().url });
      await client.connect();
      const present = Number(
        (await client.query<{ n: string }>('SELECT count(*) AS n FROM life')).rows[0]?.n,
      );
      await client.end();
      const replaced = events.filter((e) => e.type === 'connection.replaced').length;
      const failed = events.filter((e) => e.type === 'connection.failed').length;
      const critical = alerts
        .filter((a) => a.level === 'critical' && a.state === 'firing')
        .map((a) => a.code);
      t.log(
        `${acknowledged + ok} requests ok; ${replaced} replaced, ${failed} failed connections; error rate ${stats.window.errorRate}; critical alerts ${JSON.stringify(critical)}; ${acknowledged} writes acknowledged, ${present} present`,
      );
      t.true(replaced > 0, 'connections were retired by age');
      t.is(failed, 0);
      t.is(stats.failed, 0);
      t.is(stats.window.errorRate, 0);
      t.deepEqual(critical, []);
      t.is(present, acknowledged);
    },
  );
});
