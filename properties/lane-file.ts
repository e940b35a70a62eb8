import fc from 'fast-check';
import { clearStale, ownsFile, releaseFile, type LaneFiles } from '../adapters/lane/lane-file.js';
import { InvariantError } from './invariants.js';

/**
 * Finding the lane's host on a socket file (macOS; adapters/lane/lane-file.ts), as processes race
 * for it: each process runs LaneGate's discovery one system call at a time (bind a name of its
 * own, link the lane's name to it, read the file's identity, connect, clear a stale file), in any
 * interleaving with the others, with hosts killed (their file stays, refusing), hosts closing, and
 * a temp-folder cleaner removing the file. The file system is a model (names, inodes, who listens);
 * clearing a stale file, checking a host's file and releasing it on close are the lane's own
 * functions, run against it. Once the steps run out, every process finishes its discovery and
 * every host checks its file, until nothing changes. Invariant `one-host`: then one live process
 * hosts, at the lane's name, and every other live process is connected to it.
 */

const PROCESSES = 3;
const NAME = 'lane.sock';

type Action = 'step' | 'check' | 'kill' | 'close' | 'clean' | 'join';
interface Step {
  action: Action;
  p: number;
}

/** The steps; without `clean` when `cleaner` is false (a race between processes alone). */
function steps(cleaner: boolean): fc.Arbitrary<Step[]> {
  const actions: Action[] = ['step', 'step', 'step', 'step', 'check', 'kill', 'close', 'join'];
  if (cleaner) actions.push('clean');
  return fc.array(
    fc.record({ action: fc.constantFrom(...actions), p: fc.integer({ min: 0, max: PROCESSES - 1 }) }),
    { maxLength: 50 },
  );
}

/** How the lane treats its file: as it does, or as the version before did (broken variants). */
export interface FileRules {
  /** Clear a refused file only while it is the one that refused (`checked`), or whatever is there. */
  clear: 'checked' | 'any';
  /** A host checks that its file is still its own and steps down if not (`true`), or never. */
  heal: boolean;
  /** Closing a host removes its own file only (`own`), or whatever is at the name (a server bound there). */
  close: 'own' | 'name';
}

export const FIXED: FileRules = { clear: 'checked', heal: true, close: 'own' };

/** Broken: the version before (issue 24's first macOS lane): any refused file cleared, no check, the name removed on close. */
export const BEFORE: FileRules = { clear: 'any', heal: false, close: 'name' };

/** Broken: stale files cleared with care, but a host never checks that its file is still its own. */
export const NO_HEAL: FileRules = { clear: 'checked', heal: false, close: 'own' };

interface Inode {
  id: number;
  /** The process listening on it; `undefined` once its host is gone (the file refuses). */
  host: number | undefined;
}

type Pc =
  | 'idle' // not looking: joins at a 'join' step
  | 'bind' // binds a name of its own
  | 'link' // links the lane's name to it (fails if a file is there)
  | 'stat' // reads the identity of the file at the name
  | 'connect' // connects to it
  | 'clear' // the connection was refused: clears the file if it is still the same
  | 'host'
  | 'member'
  | 'dead';

interface Proc {
  pc: Pc;
  attempts: number;
  own?: Inode;
  refused?: string;
  /** A host's file identity (when it linked the name); a member's host. */
  identity?: string;
  memberOf?: number;
}

class World {
  private next = 1;
  /** The lane's name: the inode it points to. */
  private name: Inode | undefined;
  readonly procs: Proc[] = Array.from({ length: PROCESSES }, () => ({ pc: 'bind', attempts: 0 }));
  private readonly files: LaneFiles = {
    identity: (path) => (path === NAME && this.name ? `${this.name.id}` : undefined),
    unlink: (path) => {
      if (path === NAME) this.name = undefined;
    },
  };

  constructor(
    private readonly rules: FileRules,
    stale: boolean,
  ) {
    // A host killed before the run: its file is there and refuses.
    if (stale) this.name = { id: this.next++, host: undefined };
  }

  private live(p: number): boolean {
    return this.procs[p]?.pc !== 'dead';
  }

  /** The host `h` is gone or stepped down: its members look again. */
  private orphan(h: number): void {
    for (const q of this.procs)
      if (q.pc === 'member' && q.memberOf === h)
        Object.assign(q, { pc: 'bind', attempts: 0, memberOf: undefined });
  }

  private closeHost(p: number): void {
    const proc = this.procs[p] as Proc;
    if (proc.own) proc.own.host = undefined;
    if (this.rules.close === 'own') releaseFile(NAME, proc.identity as string, this.files);
    else this.files.unlink(NAME);
    this.orphan(p);
  }

  /** One system call of `p`'s discovery; false if it had none to make. */
  step(p: number): boolean {
    const proc = this.procs[p] as Proc;
    switch (proc.pc) {
      case 'bind':
        proc.own = { id: this.next++, host: p };
        proc.pc = 'link';
        return true;
      case 'link':
        if (this.name !== undefined) {
          // EEXIST: its own server closes (removing only its own name) and it connects.
          (proc.own as Inode).host = undefined;
          proc.pc = 'stat';
        } else {
          this.name = proc.own;
          proc.identity = this.files.identity(NAME);
          proc.pc = 'host';
        }
        return true;
      case 'stat':
        proc.refused = this.files.identity(NAME);
        proc.pc = 'connect';
        return true;
      case 'connect': {
        const at = this.name;
        if (at?.host !== undefined && this.live(at.host)) {
          Object.assign(proc, { pc: 'member', memberOf: at.host });
          return true;
        }
        proc.pc = at === undefined ? this.retry(proc) : 'clear';
        return true;
      }
      case 'clear':
        if (this.rules.clear === 'checked') clearStale(NAME, proc.refused, this.files);
        else this.files.unlink(NAME);
        proc.pc = this.retry(proc);
        return true;
      default:
        return false;
    }
  }

  /** Three attempts, as LaneGate's; then it writes without the lane and looks again later. */
  private retry(proc: Proc): Pc {
    proc.attempts++;
    if (proc.attempts < 3) return 'bind';
    proc.attempts = 0;
    return 'idle';
  }

  /** A host checks its file (every second): removed or replaced, it steps down and looks again. */
  check(p: number): boolean {
    const proc = this.procs[p] as Proc;
    if (!this.rules.heal || proc.pc !== 'host' || ownsFile(NAME, proc.identity as string, this.files))
      return false;
    this.closeHost(p);
    Object.assign(proc, { pc: 'bind', attempts: 0, own: undefined, identity: undefined });
    return true;
  }

  run({ action, p }: Step): void {
    const proc = this.procs[p] as Proc;
    if (action === 'step') this.step(p);
    else if (action === 'check') this.check(p);
    else if (action === 'join' && proc.pc === 'idle') proc.pc = 'bind';
    else if (action === 'clean') this.files.unlink(NAME);
    else if (action === 'kill' && proc.pc !== 'dead') {
      // Its file stays, and refuses; its members' sockets close.
      if (proc.own) proc.own.host = undefined;
      if (proc.pc === 'host') this.orphan(p);
      proc.pc = 'dead';
    } else if (action === 'close' && proc.pc !== 'dead') {
      if (proc.pc === 'host') this.closeHost(p);
      else if (proc.own) proc.own.host = undefined;
      proc.pc = 'dead';
    }
  }

  /** Every process finishes looking, every host checks its file, until nothing changes. */
  settle(): void {
    for (let round = 0; round < 100; round++) {
      let changed = false;
      for (let p = 0; p < PROCESSES; p++) {
        const proc = this.procs[p] as Proc;
        if (proc.pc === 'idle') proc.pc = 'bind';
        while (this.step(p)) changed = true;
        if (this.check(p)) changed = true;
      }
      if (!changed) return;
    }
  }

  verify(): void {
    const live = this.procs.map((q, p) => ({ q, p })).filter(({ q }) => q.pc !== 'dead');
    if (live.length === 0) return;
    const hosts = live.filter(({ q }) => q.pc === 'host');
    const describe = (): string => live.map(({ q, p }) => `${p}: ${q.pc}${q.memberOf ?? ''}`).join(', ');
    if (hosts.length !== 1) throw new InvariantError('one-host', `${hosts.length} hosts (${describe()})`);
    const host = (hosts[0] as { p: number }).p;
    if (this.name?.host !== host)
      throw new InvariantError('one-host', `the name is not the host ${host}'s (${describe()})`);
    const strays = live.filter(({ q, p }) => p !== host && !(q.pc === 'member' && q.memberOf === host));
    if (strays.length > 0) throw new InvariantError('one-host', `not with host ${host} (${describe()})`);
  }
}

/** The property, on the lane's rules (`FIXED`) or a broken variant's; `cleaner`: the file may be removed. */
export function laneFileProperty(
  rules: FileRules = FIXED,
  cleaner = true,
): fc.IPropertyWithHooks<[boolean, Step[]]> {
  return fc.property(fc.boolean(), steps(cleaner), (stale, plan) => {
    const world = new World(rules, stale);
    for (const s of plan) world.run(s);
    world.settle();
    world.verify();
  });
}
