import test from 'ava';
import { Registry } from 'prom-client';
import { createPool } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { collectPoolMetrics } from './prometheus.js';

test('a window of immediate grants reads an acquire-wait p95 of 0 seconds, not 9.999999999999999e-10', async (t) => {
  const tmp = tempDir();
  // Connections open before any acquire, so that every wait in the window is an immediate grant:
  // the histogram's floor, 1 ns.
  const pool = createPool({ filename: tmp.file(), min: 2 });
  while (pool.stats().idle < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const registry = new Registry();
  const stop = collectPoolMetrics(pool, registry);
  await pool.read((db) => db.get('SELECT 1'));
  const text = await registry.metrics();
  stop();
  await pool.close();
  tmp.cleanup();
  t.regex(text, /^roas_pool_window_acquire_wait_p95_seconds 0$/m);
  t.notRegex(text, /e-10/);
});
