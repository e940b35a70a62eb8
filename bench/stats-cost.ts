/**
 * Cost of one `pool.stats()` call (it merges the window's histograms).
 *
 * Run: npx tsx bench/stats-cost.ts
 */
import { performance } from 'node:perf_hooks';
import { createPool } from '../index.js';
import { tempDir } from '../test/helpers.js';

const tmp = tempDir();
const pool = createPool({ filename: tmp.file() });
for (let i = 0; i < 10_000; i++) (await pool.acquire()).release();
for (let round = 1; round <= 3; round++) {
  const n = 2000;
  const start = performance.now();
  for (let i = 0; i < n; i++) pool.stats();
  console.log(`round ${round}: stats() ${(((performance.now() - start) * 1000) / n).toFixed(1)} µs/call`);
}
await pool.close();
tmp.cleanup();
