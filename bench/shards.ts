/**
 * Sharded bots (issue 24): P forked processes, each with its own `createPool()` on one file and 4
 * awaiting workers, against one process with P×4 workers doing the same work, in one run. A
 * worker's transaction is an UPDATE, an await, then an INSERT. Every process is a fresh fork; all
 * start together on the parent's word and run for the same wall-clock window. "lost" counts
 * acknowledged commits missing from the file afterwards; "WAL" is the write-ahead log's size at the
 * end of the window, before the pools close (checkpoints keep it bounded). A benchmark, not a test: it asserts nothing.
 *
 * "CPU a tx" is the CPU time (user and system, all threads) every process of the run spent in the
 * window, per transaction committed. With `--trials N` (N > 1), each process count runs N times,
 * one process and the shards alternating which goes first, and a summary follows: the median of
 * the per-trial figures and their range, as the figures of one run move with the machine's load.
 *
 * `--warmup MS` (default 0) runs the workers for MS before the window, counted for "lost" only:
 * fresh processes run V8's unoptimized code until their functions are hot, and each of P shards
 * runs 1/P of the transactions, so it takes them longer; with 0, the window begins 200 ms after
 * the processes are ready, as a freshly started set of shards does. The last table gives every
 * run's transactions a second by half second of the window, and when its slowest transaction
 * began: where the window is still warming up.
 *
 *   npx tsx bench/shards.ts [--duration 3000] [--procs 6,3] [--workers 4] [--trials 1]
 *     [--warmup 0] [--options '{"crossProcessLane":false}']
 */
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, median } from './report.js';
import { seedWriteWorkload } from './write-workload.js';
import { clockUs, GAP_BUCKETS_US, turns, type Spans, type Turns } from './lane-turns.js';

const UPDATE = 'UPDATE users SET points = points + 1 WHERE id = ?';
const INSERT = 'INSERT INTO log (user, at) VALUES (?, ?)';

interface Report {
  done: number;
  /** Transactions committed in the warm-up before the window (`--warmup`): counted for "lost" only. */
  warmDone: number;
  /** The window's transactions by the half second in which they ended. */
  byHalfSecond: number[];
  /** When the slowest transaction began, in ms from the window's start. */
  slowestAtMs: number;
  errors: number;
  slowestMs: number;
  latencies: number[];
  spans: Spans;
  /** Writes let in on SQLite's lock alone (the lane's coordinator unreachable or silent). */
  fallbacks: number;
  /** CPU time (µs, user and system, all threads) this process spent in the window. */
  cpuUs: number;
  firstError?: string;
}

async function child(file: string, workers: number, options: Record<string, unknown>): Promise<void> {
  const { createPool } = await import('../index.js');
  const pool = createPool({ filename: file, ...options });
  let spans: Spans = [];
  // The span of a transaction on the lane: from its callback (BEGIN IMMEDIATE done) to its last
  // statement's answer (COMMIT follows in microseconds); timed here, as the worker's await can
  // resume several of its process's transactions later.
  const tx = (id: number): Promise<void> =>
    pool.transaction(async (db) => {
      const start = clockUs();
      await db.run(UPDATE, [id]);
      await Promise.resolve();
      await db.run(INSERT, [id, performance.now()]);
      spans.push(start, clockUs());
    });
  for (let i = 0; i < 20; i++) await tx(i + 1); // open the connections, warm the JIT
  const send = (m: unknown): void => void process.send?.(m);
  process.on('message', (m: { start?: number; go?: number; end?: number; close?: boolean }) => {
    if (m.close === true) void pool.close().then(() => process.exit(0));
    if (m.start === undefined || m.go === undefined || m.end === undefined) return;
    // Every process starts its workers at the parent's `start`, counts from `go` and stops at
    // `end`: [go, end) is the window the rates divide by; [start, go) the warm-up (`--warmup`).
    setTimeout(runWindow, Math.max(0, m.start - Date.now()), m.go, m.end);
  });
  const runWindow = (go: number, end: number): void => {
    spans = [];
    const report: Report = {
      done: 0,
      warmDone: 0,
      byHalfSecond: [],
      slowestAtMs: 0,
      errors: 0,
      slowestMs: 0,
      latencies: [],
      spans,
      fallbacks: 0,
      cpuUs: 0,
    };
    let cpuBefore = process.cpuUsage();
    let fallbacksBefore = pool.stats().lane?.fallbacks ?? 0;
    // A transaction counts in the window when it starts in it.
    let counting = Date.now() >= go;
    if (!counting)
      setTimeout(
        () => {
          counting = true;
          spans = report.spans = [];
          cpuBefore = process.cpuUsage();
          fallbacksBefore = pool.stats().lane?.fallbacks ?? 0;
        },
        Math.max(0, go - Date.now()),
      );
    void Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        let id = w + process.pid;
        while (Date.now() < end) {
          id = (id * 7919 + 1) % 1000;
          const counted = counting;
          const t = performance.now();
          try {
            await tx(id + 1);
            if (counted) report.done++;
            else report.warmDone++;
          } catch (err) {
            report.errors++;
            report.firstError ??= String(err);
          }
          if (!counted) continue;
          const ms = performance.now() - t;
          report.latencies.push(ms);
          const half = Math.floor((Date.now() - go) / 500);
          report.byHalfSecond[half] = (report.byHalfSecond[half] ?? 0) + 1;
          if (ms > report.slowestMs) {
            report.slowestMs = ms;
            report.slowestAtMs = Date.now() - ms - go;
          }
        }
      }),
    ).then(() => {
      report.fallbacks = (pool.stats().lane?.fallbacks ?? 0) - fallbacksBefore;
      const cpu = process.cpuUsage(cpuBefore);
      report.cpuUs = cpu.user + cpu.system;
      send({ report, stats: pool.stats() });
    });
  };
  send({ ready: true });
}

interface Row {
  label: string;
  rate: number;
  per: number[];
  slowestMs: number;
  p95Ms: number;
  errors: number;
  lost: number;
  turns: Turns;
  fallbacks: number;
  /** The WAL's size at the end of the window (MB). */
  walMb: number;
  /** CPU time of all the run's processes in the window, per transaction (µs). */
  cpuUsPerTx: number;
  /** All processes' transactions a second, by half second of the window. */
  ramp: number[];
  /** When the slowest transaction began, in ms from the window's start. */
  slowestAtMs: number;
  firstError?: string;
}

async function run(
  file: string,
  procs: number,
  workers: number,
  durationMs: number,
  options: string,
  warmupMs: number,
): Promise<Row> {
  const self = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const reports: Promise<Report>[] = [];
  for (let i = 0; i < procs; i++) {
    const c = fork(self, ['--child', file, '--workers', String(workers), '--options', options], {
      execArgv: ['--import', 'tsx'],
    });
    children.push(c);
    ready.push(new Promise((resolve) => c.on('message', (m: { ready?: boolean }) => m.ready && resolve())));
    reports.push(
      new Promise((resolve) => c.on('message', (m: { report?: Report }) => m.report && resolve(m.report))),
    );
  }
  await Promise.all(ready);
  const db = new Database(file);
  const before = (db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n;
  const start = Date.now() + 200;
  const go = start + warmupMs;
  for (const c of children) c.send({ start, go, end: go + durationMs });
  const got = await Promise.all(reports);
  const walMb = statSync(`${file}-wal`).size / 1e6;
  const after = (db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n;
  db.close();
  await Promise.all(
    children.map(
      (c) => new Promise<void>((resolve) => (c.on('exit', () => resolve()), c.send({ close: true }))),
    ),
  );
  const done = got.reduce((s, r) => s + r.done, 0);
  const all = got.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    label: procs === 1 ? `one process, ${workers} workers` : `${procs} processes × ${workers}`,
    rate: done / (durationMs / 1000),
    per: got.map((r) => r.done / (durationMs / 1000)),
    slowestMs: Math.max(...got.map((r) => r.slowestMs)),
    p95Ms: all[Math.floor(all.length * 0.95)] ?? 0,
    errors: got.reduce((s, r) => s + r.errors, 0),
    lost: done + got.reduce((s, r) => s + r.warmDone, 0) - (after - before),
    turns: turns(
      got.map((r) => r.spans),
      durationMs,
    ),
    fallbacks: got.reduce((s, r) => s + r.fallbacks, 0),
    walMb,
    cpuUsPerTx: got.reduce((s, r) => s + r.cpuUs, 0) / Math.max(1, done),
    ramp: Array.from(
      { length: Math.ceil(durationMs / 500) },
      (_, i) => got.reduce((s, r) => s + (r.byHalfSecond[i] ?? 0), 0) * 2,
    ),
    slowestAtMs: got.reduce((a, r) => (r.slowestMs > a.slowestMs ? r : a)).slowestAtMs,
    firstError: got.find((r) => r.firstError !== undefined)?.firstError,
  };
}

/** The gaps at a hand-over by length: count (share of the gap time) per bucket, then p90 / p99 / max. */
function gapLine({ label, turns: t }: Row): string {
  const cells = t.gapHistogram.map((b) => `${b.count} (${(b.timeShare * 100).toFixed(0)} %)`);
  const ms = (us: number): string => (us / 1000).toFixed(2);
  return `| ${label} | ${cells.join(' | ')} | ${ms(t.gapP90Us)} / ${ms(t.gapP99Us)} / ${ms(t.gapMaxUs)} |`;
}

/** The least served process's rate over the most served one's. */
const fairnessRatio = (r: Row): number => Math.min(...r.per) / Math.max(...r.per);

/** Min/max of the processes' rates, or '-' for one process. */
function fairness(r: Row): string {
  if (r.per.length === 1) return '-';
  return `${fairnessRatio(r).toFixed(2)} (${Math.round(Math.min(...r.per))} / ${Math.round(Math.max(...r.per))})`;
}

/** One process count's trials: each figure's median and range over the trials. */
function summaryLine(pairs: { one: Row; sharded: Row }[]): string {
  const spread = (xs: number[], digits: number): string =>
    `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
  const shards = pairs.map((p) => p.sharded);
  const cpu = pairs.map((p) => p.sharded.cpuUsPerTx / p.one.cpuUsPerTx);
  const sum = (f: (r: Row) => number): number => shards.reduce((s, r) => s + f(r), 0);
  return `| ${shards[0]?.label ?? ''} | ${spread(
    pairs.map((p) => p.sharded.rate / p.one.rate),
    2,
  )} | ${spread(shards.map(fairnessRatio), 2)} | ${spread(
    shards.map((r) => r.slowestMs),
    0,
  )} ms | ${spread(cpu, 2)} | ${sum((r) => r.errors)} | ${sum((r) => r.lost)} | ${sum((r) => r.fallbacks)} |`;
}

function turnLine({ label, turns: t, fallbacks }: Row): string {
  const us = (x: number): string => `${Math.round(x)} µs`;
  return `| ${label} | ${Math.round(t.handOversPerS)} | ${us(t.meanGapUs)} / ${us(t.medianGapUs)} | ${(t.handOverShare * 100).toFixed(0)} % | ${t.txPerTurn.toFixed(1)} | ${us(t.meanInTurnGapUs)} | ${fallbacks} |`;
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    duration: { type: 'string', default: '3000' },
    procs: { type: 'string', default: '6,3' },
    workers: { type: 'string', default: '4' },
    options: { type: 'string', default: '{}' },
    trials: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '0' },
  },
});
const workers = Number(values.workers);

if (values.child !== undefined) {
  await child(values.child, workers, JSON.parse(values.options) as Record<string, unknown>);
} else {
  const durationMs = Number(values.duration);
  const warmupMs = Number(values.warmup);
  const { dir, file } = seedWriteWorkload('roas-bench-shards-');
  console.log(
    `node ${process.version}, ${durationMs} ms a run${warmupMs > 0 ? ` after ${warmupMs} ms of warm-up` : ''}, options ${values.options}, load ${loadAverage()}`,
  );
  console.log(
    '| run | tx/s | vs one process | per-process tx/s, min/max | p95 | slowest transaction | errors | lost | WAL | CPU a tx |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const ms = (x: number): string => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
  const turnLines: string[] = [];
  const gapLines: string[] = [];
  const rampLines: string[] = [];
  const trials = Math.max(1, Number(values.trials));
  const summary: string[] = [];
  try {
    for (const procs of values.procs.split(',').map(Number)) {
      const pairs: { one: Row; sharded: Row }[] = [];
      for (let trial = 0; trial < trials; trial++) {
        // Alternating which goes first: neither always runs on the file the other just wrote.
        const runOne = (): Promise<Row> =>
          run(file, 1, procs * workers, durationMs, values.options, warmupMs);
        const runShards = (): Promise<Row> => run(file, procs, workers, durationMs, values.options, warmupMs);
        const first = await (trial % 2 === 0 ? runOne() : runShards());
        const second = await (trial % 2 === 0 ? runShards() : runOne());
        const [one, sharded] = trial % 2 === 0 ? [first, second] : [second, first];
        pairs.push({ one, sharded });
        for (const r of [one, sharded]) {
          console.log(
            `| ${r.label} | ${Math.round(r.rate)} | ${(r.rate / one.rate).toFixed(2)} | ${fairness(r)} | ${ms(r.p95Ms)} | ${ms(r.slowestMs)} | ${r.errors} | ${r.lost} | ${r.walMb.toFixed(1)} MB | ${r.cpuUsPerTx.toFixed(1)} µs |`,
          );
          if (r.firstError !== undefined) console.log(`  first error: ${r.firstError}`);
          turnLines.push(turnLine(r));
          gapLines.push(gapLine(r));
          rampLines.push(
            `| ${r.label} | ${r.ramp.map((n) => `${(n / 1000).toFixed(1)}k`).join(' ')} | ${Math.round(r.slowestAtMs)} ms |`,
          );
        }
      }
      if (trials > 1) summary.push(summaryLine(pairs));
    }
    console.log(
      `\n| run | hand-overs/s | gap at a hand-over, mean / median | share of the window | tx a turn | gap within a turn | fallbacks |\n| --- | --- | --- | --- | --- | --- | --- |\n${turnLines.join('\n')}`,
    );
    const bounds = GAP_BUCKETS_US.map((b) => `< ${b / 1000} ms`);
    console.log(
      `\n| run | gaps at a hand-over: ${bounds.join(' | ')} | longer | p90 / p99 / max, ms |\n| --- |${' --- |'.repeat(bounds.length + 2)}\n${gapLines.join('\n')}`,
    );
    console.log(
      `\n| run | tx/s by half second of the window | the slowest transaction began at |\n| --- | --- | --- |\n${rampLines.join('\n')}`,
    );
    if (summary.length > 0)
      console.log(
        `\n${trials} trials each, the median and the range:\n\n| run | tx/s vs one process | per-process min/max | slowest transaction | CPU a tx, shards / one process | errors | lost | fallbacks |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n${summary.join('\n')}`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
