import test from 'ava';
import { Registry } from 'prom-client';
import { createPool, type PoolError } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { collectPoolMetrics } from './prometheus.js';

/** Parses Prometheus exposition text into `name{labels}` → value, and `# TYPE` lines into name → type. */
function parse(text: string): { values: Map<string, number>; types: Map<string, string> } {
  const values = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name as string, type as string);
    } else if (line !== '' && !line.startsWith('#')) {
      const at = line.lastIndexOf(' ');
      values.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  }
  return { values, types };
}

test('exposes the pool in Prometheus text: connections by state, waits, errors by code', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 4 });
  const registry = new Registry();
  const stop = collectPoolMetrics(pool, registry);
  await pool.write((db) => db.exec('CREATE TABLE t (x)'));
  const reader = await pool.acquire();
  const holder = await pool.acquire({ mode: 'write' });
  const err = await t.throwsAsync<PoolError>(pool.acquire({ mode: 'write', timeoutMs: 5 }));
  t.is(err.code, 'ACQUIRE_TIMEOUT');
  const read = pool.stats.bind(pool);
  let reads = 0;
  // A spy, not a mock: it counts calls and returns the real stats.
  pool.stats = () => (reads++, read());
  const { values, types } = parse(await registry.metrics());
  t.is(reads, 1, 'one stats() call serves every metric of a scrape');
  t.is(types.get('roas_pool_connections'), 'gauge');
  t.is(types.get('roas_pool_acquire_wait_seconds'), 'histogram');
  t.is(types.get('roas_pool_errors_total'), 'counter');
  t.is(values.get('roas_pool_connections{state="leased_read"}'), 1);
  t.is(values.get('roas_pool_connections{state="leased_write"}'), 1);
  t.is(values.get('roas_pool_connections{state="idle"}'), 0);
  t.is(values.get('roas_pool_connections{state="failed"}'), 0);
  t.is(values.get('roas_pool_waiting{mode="write"}'), 0);
  t.is(values.get('roas_pool_max_connections'), 4);
  t.is(values.get('roas_pool_acquired_total'), 3);
  t.is(values.get('roas_pool_timeouts_total'), 1);
  t.is(values.get('roas_pool_errors_total{code="ACQUIRE_TIMEOUT"}'), 1);
  t.is(values.get('roas_pool_leaks_total'), 0);
  t.is(types.get('roas_pool_lane_processes'), 'gauge');
  t.is(values.get('roas_pool_lane_waits_total'), 0, 'alone on its file');
  t.is(types.get('roas_pool_lane_fallbacks_total'), 'counter');
  t.is(values.get('roas_pool_acquire_wait_seconds_count'), 3);
  t.is(values.get('roas_pool_acquire_wait_seconds_bucket{le="+Inf"}'), 3);
  t.is(values.get('roas_pool_lease_hold_seconds_count'), 1, 'one lease released so far');
  reader.release();
  holder.release();
  stop();
  (await pool.acquire()).release();
  const after = parse(await registry.metrics()).values;
  t.is(after.get('roas_pool_lease_hold_seconds_count'), 3, 'the two releases before stop() only');
  t.is(after.get('roas_pool_acquired_total'), 4, 'counters are read from stats() at scrape time');
  await pool.close();
  tmp.cleanup();
});

test('reads waiting for the event loop’s turn are a gauge, as stats() counts them', async (t) => {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), min: 1, max: 4, eventLoopBudgetMs: 1 });
  const registry = new Registry();
  const stop = collectPoolMetrics(pool, registry);
  // The reader open and free first: reads that find it go straight to it (or wait for a turn);
  // reads queued for a reader still opening would take the queue instead.
  await pool.read((db) => db.get('SELECT 1'));
  const read = pool.stats.bind(pool);
  let seen: number[] = [];
  // A spy, not a mock: it records what the scrape read and returns the real stats.
  pool.stats = () => {
    const stats = read();
    seen.push(stats.waitingForTurn);
    return stats;
  };
  const scraped: [gauge: number | undefined, stats: number | undefined][] = [];
  let turned = 0;
  let scraping = Promise.resolve();
  // At each turn the workers that ran out the budget wait for the next one: scrape then.
  const count = (): void => {
    seen = [];
    const scrape = registry.metrics();
    const stats = seen;
    scraping = scraping.then(async () => {
      scraped.push([parse(await scrape).values.get('roas_pool_reads_waiting_for_turn'), stats[0]]);
    });
    if (++turned < 10) setImmediate(count);
  };
  setImmediate(count);
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      while (turned < 10) await pool.read((db) => db.get('SELECT ? AS w', [w]));
    }),
  );
  await scraping;
  t.is(scraped.length, 10);
  for (const [gauge, stats] of scraped) t.is(gauge, stats, 'the gauge is what stats() said');
  t.true(
    scraped.some(([gauge]) => (gauge ?? 0) > 0),
    'some scrape found reads waiting for the turn',
  );
  stop();
  await pool.close();
  tmp.cleanup();
});
