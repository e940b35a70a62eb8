/**
 * The round trip to a worker thread, measured alone (issue 15, item 3): the bot's pattern (many
 * async workers, each awaiting one point read by primary key at a time) against reader threads
 * that each hold one SQLite connection, with three ways to carry requests and rows:
 *
 * - `post-each`: one `postMessage` per request and one per reply;
 * - `post-batch`: the requests made in one turn of the event loop leave as one message, and the
 *   thread answers a batch with one message (what the threads driver does);
 * - `post-turn`: the same, but a batch leaves in a `setImmediate`, so it gathers the requests of a
 *   whole turn: in the bot's pattern each request is its own event (a `setImmediate` callback),
 *   and Node drains microtasks after each, so `post-batch` batches hold one request;
 * - `sab-ring`: a `SharedArrayBuffer` byte ring each way, requests batched per turn as above, rows
 *   serialized with `v8.serialize` into the ring; the thread sleeps in `Atomics.wait`, the main
 *   thread is woken by `Atomics.waitAsync`;
 * - `sab-spin`: the same ring, with the thread polling for up to `--spin` µs before it sleeps;
 * - `sab-bell`: the same ring, but the main thread is woken by an empty `postMessage` (one in
 *   flight at most) instead of `Atomics.waitAsync`;
 * - `sab-turn`: the ring with `Atomics.waitAsync`, batches per turn as `post-turn`.
 *
 * The same SQL and the same statement objects run in every variant; only the carrying differs.
 * Not a test: prints figures for docs/threads.md.
 *
 *   npx tsx bench/round-trip.ts [--threads 2] [--seconds 2] [--rounds 3] [--spin 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { setImmediate } from 'node:timers';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { loadAverage, median } from './report.js';
import { seedItems } from './seed.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}
const THREADS = Number(arg('threads', String(availableParallelism())));
const MS = Number(arg('seconds', '2')) * 1000;
const ROUNDS = Number(arg('rounds', '3'));
const SPIN_US = Number(arg('spin', '50'));
const ROWS = 10_000;
const RING_BYTES = 1 << 20;
const SQL = 'SELECT id, name, score FROM items WHERE id = ?';

type Variant =
  'inline' | 'post-each' | 'post-batch' | 'post-turn' | 'sab-ring' | 'sab-spin' | 'sab-bell' | 'sab-turn';
const VARIANTS = arg(
  'variants',
  'inline,post-each,post-batch,post-turn,sab-ring,sab-spin,sab-bell,sab-turn',
).split(',') as Variant[];

/*
 * Ring layout, one per direction: Int32 control words then the bytes. The producer appends
 * records `[length:u32][bytes]` at `head`; a length of 0xffffffff means "wrapped, go to 0". The
 * consumer advances `tail`. head and tail are byte offsets in the data area; the producer never
 * lets head catch up with tail (one byte stays free), so head === tail means empty.
 */
const HEAD = 0;
const TAIL = 1;
/** Bumped by the producer after each write; the consumer sleeps on it. */
const SEQ = 2;
/** 1 while a doorbell message is on its way to the main thread and not yet handled. */
const BELL = 3;
const CONTROL_BYTES = 16;
const WRAP = 0xffffffff;

/** The worker body, CommonJS, evaluated in the thread: its own copy of the ring code. */
const workerBody = `
const { parentPort, workerData } = require('node:worker_threads');
const { serialize, deserialize } = require('node:v8');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { readonly: true });
const stmt = db.prepare(workerData.sql);
const run = (p) => stmt.get(p);
${ringCode()}
if (workerData.mode === 'post-each') {
  parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, row: run(m.p) }));
} else if (workerData.mode === 'post-batch') {
  parentPort.on('message', (m) => {
    const rows = new Array(m.p.length);
    for (let i = 0; i < m.p.length; i++) rows[i] = run(m.p[i]);
    parentPort.postMessage({ first: m.first, rows });
  });
} else {
  const req = ring(workerData.req), rep = ring(workerData.rep);
  const spinNs = BigInt(workerData.spinUs * 1000);
  parentPort.postMessage('ready');
  for (;;) {
    let bytes = req.take();
    if (bytes === undefined) {
      if (spinNs > 0n) {
        const until = process.hrtime.bigint() + spinNs;
        while (bytes === undefined && process.hrtime.bigint() < until) bytes = req.take();
      }
      if (bytes === undefined) {
        Atomics.wait(req.ctl, ${SEQ}, req.seen);
        continue;
      }
    }
    const m = deserialize(bytes);
    if (m === 'exit') break;
    const rows = new Array(m.p.length);
    for (let i = 0; i < m.p.length; i++) rows[i] = run(m.p[i]);
    if (!rep.put(serialize({ first: m.first, rows }))) throw new Error('reply ring full');
    // The doorbell: one message wakes the main thread's event loop, which then drains the ring.
    if (workerData.doorbell && Atomics.compareExchange(rep.ctl, ${BELL}, 0, 1) === 0) parentPort.postMessage(0);
  }
  db.close();
}
`;

/** The ring, as source, so the worker (evaluated CommonJS) and the main thread share one text. */
function ringCode(): string {
  return `
function ring(sab) {
  const ctl = new Int32Array(sab, 0, 4);
  const size = sab.byteLength - ${CONTROL_BYTES};
  const data = new Uint8Array(sab, ${CONTROL_BYTES});
  const view = new DataView(sab, ${CONTROL_BYTES});
  const r = {
    ctl,
    seen: Atomics.load(ctl, ${SEQ}),
    put(bytes) {
      const head = Atomics.load(ctl, ${HEAD}), tail = Atomics.load(ctl, ${TAIL});
      const need = 4 + bytes.length;
      let at = head;
      if (head >= tail) {
        // Room before the end (never ending exactly at the end while tail is 0: head would meet
        // tail), or else wrap to 0 if the start has room up to tail.
        if (size - head >= need + (tail === 0 ? 1 : 0)) at = head;
        else if (tail > need) {
          if (size - head >= 4) view.setUint32(head, ${WRAP});
          at = 0;
        } else return false;
      } else if (tail - head <= need) return false;
      view.setUint32(at, bytes.length);
      data.set(bytes, at + 4);
      Atomics.store(ctl, ${HEAD}, at + need === size ? 0 : at + need);
      Atomics.add(ctl, ${SEQ}, 1);
      Atomics.notify(ctl, ${SEQ});
      return true;
    },
    take() {
      // The sequence first: a write landing after this load changes it, so a wait on it returns.
      r.seen = Atomics.load(ctl, ${SEQ});
      let tail = Atomics.load(ctl, ${TAIL});
      const head = Atomics.load(ctl, ${HEAD});
      if (tail === head) return undefined;
      if (size - tail < 4 || view.getUint32(tail) === ${WRAP}) tail = 0;
      const length = view.getUint32(tail);
      const bytes = data.slice(tail + 4, tail + 4 + length);
      const next = tail + 4 + length;
      Atomics.store(ctl, ${TAIL}, next === size ? 0 : next);
      return bytes;
    },
  };
  return r;
}`;
}

interface Ring {
  ctl: Int32Array;
  seen: number;
  put(bytes: Uint8Array): boolean;
  take(): Uint8Array | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the same ring source the thread evaluates
const ring = (new Function(`${ringCode()}; return ring;`) as () => (sab: SharedArrayBuffer) => Ring)();

/** `Atomics.waitAsync` (Node 16+), missing from the TypeScript lib this project targets. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      at: Int32Array,
      index: number,
      value: number,
    ): { async: boolean; value: Promise<unknown> | string };
  }
).waitAsync;

interface Row {
  id: number;
  name: string;
  score: number;
}
/** A transport: sends one point read, resolves with its row. */
interface Transport {
  get(id: number): Promise<Row>;
  close(): Promise<void>;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

function spawn(filename: string, mode: Variant, extra: Record<string, unknown> = {}): Worker {
  return new Worker(workerBody, {
    eval: true,
    workerData: { filename, mode, sql: SQL, driver, spinUs: mode === 'sab-spin' ? SPIN_US : 0, ...extra },
  });
}

function inline(filename: string): Transport {
  const db = new Database(filename, { readonly: true });
  const stmt = db.prepare(SQL);
  return {
    get: (id) => Promise.resolve(stmt.get(id) as Row),
    close: async () => {
      db.close();
    },
  };
}

type Pending = ((row: Row) => void)[];

/** Spreads requests over the threads in turn, one request or one batch at a time. */
function postEach(filename: string): Transport {
  const threads = Array.from({ length: THREADS }, () => spawn(filename, 'post-each'));
  const pending = new Map<number, (row: Row) => void>();
  let next = 0;
  for (const t of threads)
    t.on('message', (m: { id: number; row: Row }) => {
      const resolve = pending.get(m.id);
      pending.delete(m.id);
      resolve?.(m.row);
    });
  return {
    get(id) {
      const n = next++;
      return new Promise((resolve) => {
        pending.set(n, resolve);
        (threads[n % THREADS] as Worker).postMessage({ id: n, p: id });
      });
    },
    close: () => Promise.all(threads.map((t) => t.terminate())).then(() => undefined),
  };
}

/**
 * One batch per thread per turn: each request goes to the thread with the fewest unanswered
 * requests, the batches leave in a microtask.
 */
function batched(
  count: number,
  send: (thread: number, batch: { first: number; p: number[] }) => void,
  perTurn = false,
): { get(id: number): Promise<Row>; answer(thread: number, first: number, rows: Row[]): void } {
  const outbox = Array.from({ length: count }, () => [] as number[]);
  const waiting = Array.from({ length: count }, () => new Map<number, Pending>());
  const owed = new Array<number>(count).fill(0);
  const nextId = new Array<number>(count).fill(0);
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    for (let t = 0; t < count; t++) {
      const p = outbox[t] as number[];
      if (p.length === 0) continue;
      outbox[t] = [];
      send(t, { first: (nextId[t] as number) - p.length, p });
    }
  };
  return {
    get(id) {
      let t = 0;
      for (let i = 1; i < count; i++) if ((owed[i] as number) < (owed[t] as number)) t = i;
      owed[t] = (owed[t] as number) + 1;
      (outbox[t] as number[]).push(id);
      const n = (nextId[t] as number)++;
      if (!flushing) {
        flushing = true;
        if (perTurn) setImmediate(flush);
        else queueMicrotask(flush);
      }
      return new Promise((resolve) => (waiting[t] as Map<number, Pending>).set(n, [resolve]));
    },
    answer(t, first, rows) {
      const w = waiting[t] as Map<number, Pending>;
      owed[t] = (owed[t] as number) - rows.length;
      for (let i = 0; i < rows.length; i++) {
        const r = w.get(first + i) as Pending;
        w.delete(first + i);
        (r[0] as (row: Row) => void)(rows[i] as Row);
      }
    },
  };
}

function postBatch(filename: string, perTurn: boolean): Transport {
  const threads = Array.from({ length: THREADS }, () => spawn(filename, 'post-batch'));
  const b = batched(THREADS, (t, batch) => (threads[t] as Worker).postMessage(batch), perTurn);
  threads.forEach((w, t) =>
    w.on('message', (m: { first: number; rows: Row[] }) => b.answer(t, m.first, m.rows)),
  );
  return {
    get: (id) => b.get(id),
    close: () => Promise.all(threads.map((t) => t.terminate())).then(() => undefined),
  };
}

async function sabRing(
  filename: string,
  mode: 'sab-ring' | 'sab-spin' | 'sab-bell' | 'sab-turn',
): Promise<Transport> {
  const doorbell = mode === 'sab-bell';
  const links = Array.from({ length: THREADS }, () => {
    const req = new SharedArrayBuffer(CONTROL_BYTES + RING_BYTES);
    const rep = new SharedArrayBuffer(CONTROL_BYTES + RING_BYTES);
    const worker = spawn(filename, mode, { req, rep, doorbell });
    return { worker, req: ring(req), rep: ring(rep), armed: false, owed: 0 };
  });
  await Promise.all(links.map((l) => new Promise((resolve) => l.worker.once('message', resolve))));
  if (doorbell)
    links.forEach((l, t) =>
      l.worker.on('message', () => {
        Atomics.store(l.rep.ctl, BELL, 0);
        drain(t);
      }),
    );
  const b = batched(
    THREADS,
    (t, batch) => {
      const link = links[t] as (typeof links)[number];
      if (!link.req.put(serialize(batch))) throw new Error('request ring full');
      link.owed += batch.p.length;
      arm(t);
    },
    mode === 'sab-turn',
  );
  /** Drains the replies, then waits for more while any request is unanswered. */
  function drain(t: number): void {
    const link = links[t] as (typeof links)[number];
    link.armed = false;
    for (let bytes = link.rep.take(); bytes !== undefined; bytes = link.rep.take()) {
      const m = deserialize(bytes) as { first: number; rows: Row[] };
      link.owed -= m.rows.length;
      b.answer(t, m.first, m.rows);
    }
    if (link.owed > 0) arm(t);
  }
  function arm(t: number): void {
    const link = links[t] as (typeof links)[number];
    if (link.armed || doorbell) return;
    link.armed = true;
    const w = waitAsync(link.rep.ctl, SEQ, link.rep.seen);
    if (w.async) void (w.value as Promise<unknown>).then(() => drain(t));
    else queueMicrotask(() => drain(t));
  }
  return {
    get: (id) => b.get(id),
    async close() {
      for (const l of links) l.req.put(serialize('exit'));
      await Promise.all(links.map((l) => new Promise((resolve) => l.worker.once('exit', resolve))));
    },
  };
}

async function open(variant: Variant, filename: string): Promise<Transport> {
  if (variant === 'inline') return inline(filename);
  if (variant === 'post-each') return postEach(filename);
  if (variant === 'post-batch' || variant === 'post-turn')
    return postBatch(filename, variant === 'post-turn');
  return sabRing(filename, variant);
}

/** Queries a second with `workers` async workers each awaiting one read at a time. */
async function measure(t: Transport, workers: number, ms: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; performance.now() < end; i++) {
        const row = await t.get(((i * 7919) % ROWS) + 1);
        if (row.id < 1) throw new Error('bad row');
        done++;
        // Each request of a bot is its own event: let the loop turn between them (bench/bot-pattern.ts).
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

const dir = mkdtempSync(join(tmpdir(), 'roas-bench-rt-'));
const filename = join(dir, 'rt.db');
seedItems(filename, ROWS);

console.log(`load average ${loadAverage()} (the machine may be shared)`);
console.log(
  `node ${process.version}, ${availableParallelism()} cores, ${THREADS} reader threads, ${MS} ms a run, ${ROUNDS} rounds, spin ${SPIN_US} µs`,
);
const table: Record<string, Record<string, string>> = {};
try {
  for (const workers of [20, 50]) {
    const best: Record<string, number> = {};
    // Rounds alternate the variants, so a noisy neighbour hurts them alike; the median is kept.
    const runs: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (const v of VARIANTS) {
        const t = await open(v, filename);
        await measure(t, workers, 200); // warm-up: threads booted, statements hot
        (runs[v] ??= []).push(await measure(t, workers, MS));
        await t.close();
      }
    for (const v of VARIANTS) best[v] = median(runs[v] as number[]);
    for (const v of VARIANTS)
      (table[v] ??= {})[`${workers} workers`] =
        `${Math.round(best[v] as number)}/s (${((best[v] as number) / (best.inline as number)).toFixed(2)}× inline)`;
  }
  console.table(table);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
