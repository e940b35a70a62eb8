/**
 * Micro-benchmark of the pool's hot path: acquire + release, with no statement in between.
 * `immediate`: one caller, a free connection every time. `handoff`: 8 callers on a 2-reader pool,
 * so most grants go through the wait queue and a direct handoff on release.
 *
 * Reports CPU time per operation (process.cpuUsage: user + system), which a machine shared with
 * other jobs disturbs far less than wall time.
 *
 * Run: npx tsx bench/acquire-release.ts [iterations]
 */
import { createPool } from '../index.js';
import { tempDir } from '../test/helpers.js';

const iterations = Number(process.argv[2] ?? 200_000);

/** CPU time of this process so far, ns. */
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

async function immediate(): Promise<number> {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 4 });
  (await pool.acquire()).release();
  for (let i = 0; i < 10_000; i++) (await pool.acquire()).release();
  const start = cpuNs();
  for (let i = 0; i < iterations; i++) (await pool.acquire()).release();
  const ns = (cpuNs() - start) / iterations;
  await pool.close();
  tmp.cleanup();
  return ns;
}

async function handoff(): Promise<number> {
  const tmp = tempDir();
  const pool = createPool({ filename: tmp.file(), max: 3 });
  const workers = 8;
  const per = Math.floor(iterations / workers);
  const run = async () => {
    for (let i = 0; i < per; i++) (await pool.acquire()).release();
  };
  await Promise.all(Array.from({ length: workers }, run));
  const start = cpuNs();
  await Promise.all(Array.from({ length: workers }, run));
  const ns = (cpuNs() - start) / (per * workers);
  await pool.close();
  tmp.cleanup();
  return ns;
}

for (let round = 1; round <= 3; round++) {
  const a = await immediate();
  const b = await handoff();
  console.log(`round ${round}: immediate ${a.toFixed(0)} ns/op, handoff ${b.toFixed(0)} ns/op (CPU time)`);
}
