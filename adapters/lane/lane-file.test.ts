import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LaneGate } from './lane-gate.js';

// The lane on a socket file, macOS's address (lane-address.ts), run on this Linux machine, where a
// socket file behaves as there: a killed host leaves it behind, a connection to it is then
// refused, and closing a server removes the path it was bound to. Real gates on real sockets; the
// stale file is left by a real process killed with SIGKILL. Waits poll the gates' own stats; the
// test's timeout bounds them.

interface Setup {
  dir: string;
  address: string;
  gate: () => LaneGate;
}

function setup(t: ExecutionContext): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'roas-lf-'));
  const address = join(dir, 'lane.sock');
  const gates: LaneGate[] = [];
  // The lane's sockets and timers are unref'd (they never keep a bot's process alive): the test
  // keeps its own alive while a gate waits for a grant.
  const alive = setInterval(() => undefined, 1000);
  t.teardown(() => {
    clearInterval(alive);
    for (const g of gates) g.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    address,
    gate: () => {
      const g = new LaneGate(address);
      gates.push(g);
      return g;
    },
  };
}

/** Leaves a socket file at `path` whose host is dead: a child binds it and kills itself. */
function staleFile(t: ExecutionContext, path: string): void {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  const r = spawnSync(process.execPath, ['-e', script]);
  t.is(r.signal, 'SIGKILL');
  t.true(existsSync(path), 'the killed host left its file');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/** Host `a`, its file then removed (as a temp-folder cleaner does), and `b` hosting at the name. */
async function replacedHost(gate: () => LaneGate, address: string): Promise<[LaneGate, LaneGate]> {
  const a = gate();
  await until(() => a.stats().hosting);
  unlinkSync(address);
  const b = gate();
  await until(() => b.stats().hosting);
  return [a, b];
}

const linked = (g: LaneGate): boolean => g.stats().processes >= 1;

test("two processes that find a dead host's file at once: one removes it and hosts, the other joins it", async (t) => {
  const { address, gate } = setup(t);
  staleFile(t, address);
  const [a, b] = [gate(), gate()];
  await until(() => linked(a) && linked(b));
  t.deepEqual([a, b].map((g) => g.stats().hosting).sort(), [false, true], 'one coordinator, not one each');
  await until(() => a.stats().processes === 2 && b.stats().processes === 2);
  t.is(a.stats().fallbacks + b.stats().fallbacks, 0);
});

test('a host whose file was removed (a temp-folder cleaner) steps down and joins the host that took the name', async (t) => {
  const { address, gate } = setup(t);
  const [a, b] = await replacedHost(gate, address);
  // Unreachable at the address, a would lead a lane of its own: it finds that out and joins b's.
  await until(() => !a.stats().hosting && a.stats().processes === 2 && b.stats().processes === 2);
  t.true(b.stats().hosting);
  await a.enter();
  t.true(a.holding);
  a.leave();
  t.is(a.stats().fallbacks, 0, 'a queued through b');
});

test("a host that closes after another took its file's name leaves that file: the processes to come find the live host", async (t) => {
  const { address, gate } = setup(t);
  const [a, b] = await replacedHost(gate, address);
  a.close();
  t.true(existsSync(address), "b's file is still there");
  const c = gate();
  await until(() => linked(c) && b.stats().processes === 2);
  t.false(c.stats().hosting, 'c joined b');
  t.is(c.stats().processes, 2);
});

test('a host that closes removes its file, and leaves no other name of its own', async (t) => {
  const { dir, address, gate } = setup(t);
  const a = gate();
  await until(() => a.stats().hosting);
  t.deepEqual(readdirSync(dir), ['lane.sock']);
  a.close();
  t.deepEqual(readdirSync(dir), []);
  t.false(existsSync(address));
});
