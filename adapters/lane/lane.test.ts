import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolStats } from '../../core/monitoring/stats.js';
import { loadNodeSqlite, nodeSqliteAvailable } from '../drivers/node-sqlite/node-sqlite-module.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpointOnLeave, CONTENDED_AUTOCHECKPOINT_FRAMES } from './lane-checkpoints.js';
import { laneAddress } from './lane-address.js';
import { laneGate, type LaneGate } from './lane-gate.js';
import { promiseState } from '../../test/helpers.js';

// Real processes on one real file: each shard is a forked process with its own pool
// (test/fixtures/shard.ts). Every wait is for a message or an exit, never for time.

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

interface Message {
  ready?: boolean;
  wrote?: number;
  holding?: string;
  committed?: string;
  queued?: boolean;
  failed?: string;
  stats?: PoolStats;
}

class Shard {
  readonly child: ChildProcess;
  private readonly inbox: Message[] = [];
  private readonly waiting: { key: keyof Message; resolve: (m: Message) => void }[] = [];

  constructor(file: string, mode = 'inline') {
    this.child = fork(fixture('shard.ts'), [file, mode], { execArgv: ['--import', 'tsx'] });
    this.child.on('message', (m: Message) => {
      const at = this.waiting.findIndex((w) => m[w.key] !== undefined || m.failed !== undefined);
      if (at >= 0) this.waiting.splice(at, 1)[0]?.resolve(m);
      else this.inbox.push(m);
    });
  }

  /** The next message that carries `key` (a failure is one too, so a test fails instead of hanging). */
  next(key: keyof Message): Promise<Message> {
    const at = this.inbox.findIndex((m) => m[key] !== undefined || m.failed !== undefined);
    if (at >= 0) return Promise.resolve(this.inbox.splice(at, 1)[0] as Message);
    return new Promise((resolve) => this.waiting.push({ key, resolve }));
  }

  send(m: object): void {
    this.child.send(m);
  }

  async stats(): Promise<PoolStats> {
    this.send({ stats: true });
    return (await this.next('stats')).stats as PoolStats;
  }

  /** Waits until this shard's pool has queued behind another process for the lane (it says so once). */
  async queued(): Promise<void> {
    await this.next('queued');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.send({ close: true });
    await exited;
  }

  async kill(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** The `who` column of table `t` in the database at `path`, in insertion order. */
function whoIn(path: string, options?: Database.Options): string[] {
  const reader = new Database(path, options);
  const names = reader.prepare('SELECT who FROM t ORDER BY id').pluck().all() as string[];
  reader.close();
  return names;
}

function setup(t: ExecutionContext): {
  file: string;
  shard: (mode?: string) => Promise<Shard>;
  rows: () => string[];
  checkpointedRows: () => string[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'roas-lane-'));
  const file = join(dir, 'shards.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)');
  db.close();
  const shards: Shard[] = [];
  t.teardown(async () => {
    await Promise.all(shards.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    file,
    shard: async (mode?: string) => {
      const s = new Shard(file, mode);
      shards.push(s);
      await s.next('ready');
      return s;
    },
    rows: () => whoIn(file, { readonly: true }),
    // The rows in the database file itself, without its WAL: what checkpoints have copied there.
    checkpointedRows: () => {
      const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
      copyFileSync(file, copy);
      return whoIn(copy);
    },
  };
}

const wrote = async (s: Shard): Promise<Message> => {
  const m = await s.next('wrote');
  if (m.failed !== undefined) throw new Error(m.failed);
  return m;
};

// The lane's address on Linux (an abstract name) and on macOS (a socket file in the temp folder,
// which a killed host leaves behind: the next host finds it refused, removes it and binds it again).
// This machine is Linux: the macOS address runs here in shards whose `process.platform` reads
// darwin (test/fixtures/shard.ts), where a socket file behaves as on macOS.
const addressings = [
  ['abstract name', 'inline'],
  ['socket file, as on macOS', 'darwin'],
] as const;

/** The socket file of the lane of `file` on macOS, removed by the test's teardown if left. */
function socketFile(t: ExecutionContext, file: string): string {
  const path = laneAddress(file, 'darwin') as string;
  t.teardown(() => rmSync(path, { force: true }));
  return path;
}

for (const [addressing, mode] of addressings)
  test(`a process killed while it holds the lane: the waiting process is served, and only the open transaction is lost (${addressing})`, async (t) => {
    const { file, shard, rows } = setup(t);
    if (mode === 'darwin') socketFile(t, file);
    const host = await shard(mode);
    host.send({ write: 1 });
    await wrote(host);
    const holder = await shard(mode);
    holder.send({ hold: 'killed-open' });
    await holder.next('holding');
    const waiter = await shard(mode);
    waiter.send({ write: 3 });
    await waiter.queued();
    await holder.kill();
    const done = await wrote(waiter);
    t.is(done.stats?.lane?.fallbacks, 0, 'served through the lane, not around it');
    t.true((await host.stats()).lane?.hosting);
    const who = rows();
    t.false(who.includes('killed-open'));
    t.is(who.length, 4);
  });

for (const [addressing, mode] of addressings)
  test(`the host of the lane killed: the holder finishes, the waiter is served by the next host (${addressing})`, async (t) => {
    const { file, shard, rows } = setup(t);
    const socket = mode === 'darwin' ? socketFile(t, file) : undefined;
    const host = await shard(mode);
    host.send({ write: 1 });
    await wrote(host);
    t.true((await host.stats()).lane?.hosting);
    if (socket !== undefined) t.true(existsSync(socket), 'the host listens on a socket file');
    const holder = await shard(mode);
    holder.send({ hold: 'held-across' });
    await holder.next('holding');
    const waiter = await shard(mode);
    waiter.send({ write: 3 });
    await waiter.queued();
    await host.kill();
    holder.send({ commit: true });
    await holder.next('committed');
    await wrote(waiter);
    const hosts = [(await holder.stats()).lane?.hosting, (await waiter.stats()).lane?.hosting];
    t.deepEqual(
      hosts.filter((h) => h === true),
      [true],
      'one of the survivors hosts',
    );
    const who = rows();
    t.true(who.includes('held-across'));
    t.is(who.length, 5);
  });

test('a process that joins late is served, and both see two processes', async (t) => {
  const { shard, rows } = setup(t);
  const early = await shard();
  early.send({ write: 2 });
  await wrote(early);
  const late = await shard();
  late.send({ write: 3 });
  const done = await wrote(late);
  t.is(done.stats?.lane?.fallbacks, 0);
  t.is(done.stats?.lane?.processes, 2);
  t.is((await early.stats()).lane?.processes, 2);
  early.send({ write: 2 });
  await wrote(early);
  t.is(rows().length, 7);
});

test('a process without roas-pool holding the write lock: the pool waits it out as without a lane', async (t) => {
  const { file, shard, rows } = setup(t);
  const bot = await shard();
  bot.send({ write: 1 });
  await wrote(bot);
  const plain = spawn(process.execPath, ['--import', 'tsx', fixture('plain-writer.ts'), file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [locked] = (await once(plain.stdout, 'data')) as [Buffer];
  t.is(locked.toString().trim(), 'locked');
  bot.send({ write: 3 });
  plain.stdin.end();
  await once(plain, 'exit');
  const done = await wrote(bot);
  t.is(done.stats?.busyTimeouts, 0);
  t.is(rows().length, 5);
  t.true(rows().includes('plain'));
});

test('pools in every mode share the lane: an inline host, a hybrid holder, a waiter on worker threads', async (t) => {
  const { shard, rows } = setup(t);
  const host = await shard('inline');
  host.send({ write: 1 });
  await wrote(host);
  const holder = await shard('hybrid');
  holder.send({ hold: 'hybrid-held' });
  await holder.next('holding');
  const waiter = await shard('all');
  waiter.send({ write: 3 });
  await waiter.queued();
  holder.send({ commit: true });
  await holder.next('committed');
  const done = await wrote(waiter);
  t.is(done.stats?.lane?.fallbacks, 0);
  t.is(done.stats?.lane?.processes, 3);
  t.is(rows().length, 5);
});

test('a process stopped (SIGSTOP) while it holds the lane: the coordinator revokes it, the waiter is served, and the stopped one is served again once it resumes', async (t) => {
  const { shard, rows } = setup(t);
  const host = await shard();
  host.send({ write: 1 });
  await wrote(host);
  const holder = await shard();
  holder.send({ write: 1 });
  await wrote(holder); // nobody else waits: the holder keeps the lane after its write
  holder.child.kill('SIGSTOP');
  t.teardown(() => holder.child.kill('SIGCONT'));
  const waiter = await shard();
  waiter.send({ write: 3 });
  const done = await wrote(waiter);
  t.is(done.stats?.lane?.fallbacks, 0, 'served through the lane, not around it');
  t.is(done.stats?.lane?.waits, 1, 'after queueing behind the stopped holder');
  holder.child.kill('SIGCONT');
  holder.send({ write: 2 });
  const again = await wrote(holder);
  t.is(again.stats?.lane?.fallbacks, 0);
  t.is(rows().length, 7);
});

const hungHost = test.macro({
  async exec(t, mode: string) {
    const { shard, rows } = setup(t);
    const host = await shard();
    host.send({ write: 1 });
    await wrote(host); // nobody else waits: the host keeps the lane after its write
    t.true((await host.stats()).lane?.hosting);
    const waiter = await shard(mode);
    host.child.kill('SIGSTOP');
    t.teardown(() => host.child.kill('SIGCONT'));
    // The coordinator cannot answer: without a bound on its silence, the waiter waits until
    // acquireTimeoutMs (30 s in the fixture) and fails.
    waiter.send({ write: 3 });
    const done = await wrote(waiter);
    t.true((done.stats?.lane?.fallbacks ?? 0) >= 1, "written on SQLite's lock, counted as a fallback");
    host.child.kill('SIGCONT');
    host.send({ write: 2 });
    await wrote(host);
    waiter.send({ write: 2 });
    const again = await wrote(waiter);
    t.is(again.stats?.lane?.processes, 2);
    t.true((await host.stats()).lane?.hosting, 'the host still hosts: nobody took over');
    t.is(rows().length, 8);
  },
  title: (_, mode: string) =>
    `the host of the lane stopped (SIGSTOP) while it holds the lane: a waiting ${mode} process falls back to SQLite's lock and writes, and both write once the host runs again`,
});

for (const mode of ['inline', 'hybrid', 'all']) test(hungHost, mode);

for (const [addressing, mode] of addressings)
  test(`the stopped host then killed: the process that fell back rejoins the lane at the next host and queues through it again (${addressing})`, async (t) => {
    const { file, shard, rows } = setup(t);
    if (mode === 'darwin') socketFile(t, file);
    const host = await shard(mode);
    host.send({ write: 1 });
    await wrote(host);
    const waiter = await shard(mode);
    host.child.kill('SIGSTOP');
    waiter.send({ write: 3 });
    t.true(((await wrote(waiter)).stats?.lane?.fallbacks ?? 0) >= 1);
    await host.kill();
    const late = await shard(mode);
    late.send({ hold: 'late-held' });
    await late.next('holding');
    // Still writing on SQLite's lock alone, the waiter would wait out the holder's open transaction
    // (SQLITE_BUSY after busyTimeoutMs) instead of queueing behind it.
    waiter.send({ write: 1 });
    const queued = await waiter.next('queued');
    t.is(queued.failed, undefined);
    late.send({ commit: true });
    await late.next('committed');
    await wrote(waiter);
    t.is(rows().length, 6);
  });

const nodeTest = nodeSqliteAvailable() ? test : test.skip;

nodeTest(
  'node:sqlite pools share the lane: the waiter is served through it after the holder commits',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'roas-lane-'));
    const file = join(dir, 'shards.db');
    const DatabaseSync = loadNodeSqlite();
    const db = new DatabaseSync(file, { timeout: 5000 });
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)');
    const shards: Shard[] = [];
    t.teardown(async () => {
      db.close();
      await Promise.all(shards.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    });
    const shard = async (): Promise<Shard> => {
      const s = new Shard(file, 'node-sqlite');
      shards.push(s);
      await s.next('ready');
      return s;
    };
    const holder = await shard();
    holder.send({ hold: 'node-held' });
    await holder.next('holding');
    const waiter = await shard();
    waiter.send({ write: 3 });
    await waiter.queued();
    holder.send({ commit: true });
    await holder.next('committed');
    const done = await wrote(waiter);
    t.is(done.stats?.lane?.fallbacks, 0);
    t.is(done.stats?.lane?.processes, 2);
    t.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 4 });
  },
);

/**
 * A holds the lane in a transaction, B queues, A commits and hands the lane over: A checkpoints
 * after it leaves (lane-checkpoints.ts), so its row reaches the database file, not only the WAL.
 * `until` is what the file must come to hold: the test waits for it, and fails by its timeout if
 * it never does; `undefined` reads the file once both have answered after the hand-over.
 */
async function handOver(t: ExecutionContext, mode: string, until?: string): Promise<string[]> {
  const { shard, rows, checkpointedRows } = setup(t);
  const a = await shard(mode);
  a.send({ hold: 'handed-over' });
  await a.next('holding');
  const b = await shard(mode);
  b.send({ write: 1 });
  await b.queued();
  a.send({ commit: true });
  await a.next('committed');
  const done = await wrote(b);
  t.is(done.stats?.lane?.fallbacks, 0, 'the write went through the lane');
  // Two answers from A after its hand-over: a checkpoint it deferred (to the next turn of its
  // event loop at the latest) has run by the second.
  await a.stats();
  await a.stats();
  t.true(rows().includes('handed-over'));
  if (until !== undefined) while (!checkpointedRows().includes(until)) await sleep(10);
  return checkpointedRows();
}

for (const mode of ['inline', 'hybrid', 'node-sqlite'])
  test(`the process that hands the lane over checkpoints the WAL, off the next holder's path (${mode})`, async (t) => {
    if (mode === 'node-sqlite' && !nodeSqliteAvailable()) return t.pass('node:sqlite needs Node 22.16+');
    t.true((await handOver(t, mode, 'handed-over')).includes('handed-over'));
  });

test('a wal_autocheckpoint set in pragmas is left alone: no checkpoint at the hand-over', async (t) => {
  // Three frames in the WAL, far below the user's threshold: SQLite copies nothing yet.
  t.false((await handOver(t, 'own-autocheckpoint')).includes('handed-over'));
});

test('a hand-over whose checkpoint throws still hands over, and nothing escapes leave()', async (t) => {
  const { file } = setup(t);
  const gate = laneGate(file);
  if (gate === undefined) return t.pass('no lane on this system');
  t.teardown(() => gate.close());
  await gate.enter();
  let ran = 0;
  gate.onLeave(() => {
    ran++;
    throw new Error('the write connection is closed');
  });
  t.notThrows(() => gate.leave());
  t.is(ran, 1);
  // Left: a second leave() is no hand-over, and runs nothing.
  gate.leave();
  t.is(ran, 1);
});

test("a hand-over raises the writer's wal_autocheckpoint; once the hand-overs stop, SQLite's default comes back", async (t) => {
  const { file } = setup(t);
  const gate = laneGate(file);
  if (gate === undefined) return t.pass('no lane on this system');
  const db = new Database(file);
  t.teardown(() => (gate.close(), db.close()));
  const threshold = (): unknown => db.pragma('wal_autocheckpoint', { simple: true });
  checkpointOnLeave(gate, undefined, { exec: (sql) => void db.exec(sql), isOpen: () => db.open }, 10);
  await gate.enter();
  gate.leave();
  t.is(threshold(), CONTENDED_AUTOCHECKPOINT_FRAMES);
  // Restored by a timer 10 ms after the last hand-over: wait for it, however long the machine takes.
  while (threshold() !== 1000) await sleep(5);
  t.is(threshold(), 1000);
  await gate.enter();
  gate.leave();
  t.is(threshold(), CONTENDED_AUTOCHECKPOINT_FRAMES, 'raised again at the next hand-over');
});

test('the checkpoint after a hand-over is skipped if the lane came back before it ran', async (t) => {
  // Whether the lane comes back between a hand-over and the next turn of the event loop is a race
  // between processes that cannot be made to happen on cue: this gate is a stand-in (a mock).
  const gate = { holding: false, listener: (): void => undefined } as {
    holding: boolean;
    listener: () => void;
  };
  const fake = Object.assign(gate, { onLeave: (l: () => void) => (gate.listener = l) });
  const ran: string[] = [];
  const writer = { exec: (sql: string) => void ran.push(sql), isOpen: () => true };
  checkpointOnLeave(fake as unknown as LaneGate, undefined, writer);
  gate.listener();
  gate.holding = true; // granted again before the checkpoint's turn: the pool may lend the writer
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(ran, [`PRAGMA wal_autocheckpoint = ${CONTENDED_AUTOCHECKPOINT_FRAMES}`]);
  gate.holding = false;
  gate.listener();
  await new Promise((resolve) => setImmediate(resolve));
  t.is(ran.at(-1), 'PRAGMA wal_checkpoint(PASSIVE)');
});

test('a process that wrote before it found the lane, while another held it, is refused, hands over at once and waits in line', async (t) => {
  // Two gates on one file in this process, each with its own socket: two processes to the coordinator.
  const { file } = setup(t);
  const holder = laneGate(file);
  if (holder === undefined) return t.pass('no lane on this system');
  t.timeout(60_000, 'the late process was never told its claim was refused'); // a hang guard, not a timing
  // The lane's sockets never keep a process alive: this timer does, while the test waits on them.
  const alive = setInterval(() => undefined, 1000);
  t.teardown(() => (clearInterval(alive), holder.close()));
  while (holder.processes < 1) await sleep(1); // linked: it hosts the coordinator
  await holder.enter();
  t.true(holder.holding);
  const holderYielded = new Promise<void>((resolve) => holder.onYield(resolve));

  const late = laneGate(file) as LaneGate;
  t.teardown(() => late.close());
  const lateYielded = new Promise<void>((resolve) => late.onYield(resolve));
  // Its first write comes before it has connected: it writes on SQLite's lock alone, then says it
  // holds the lane ('H') once connected. Before the fix, nobody told it the claim was refused: it
  // went on lending its writer, never hearing that others wait, until the coordinator revoked the
  // real holder a second later.
  await late.enter();
  t.is(late.stats().fallbacks, 1);
  await lateYielded;
  await holderYielded;
  t.true(late.contended, 'asked to hand over');

  // It hands over (nothing to release at the coordinator) and asks again: in line behind the holder.
  late.leave();
  const again = late.enter();
  while (late.stats().waits < 1) await sleep(1); // the coordinator said it queued
  t.is(await promiseState(again), 'pending');
  holder.leave();
  await again;
  t.true(late.holding);
  t.is(late.stats().fallbacks, 1, 'granted through the lane');
});
